package io.geoswap.job;

import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * Reads a source with {@code COPY (query) TO STDOUT (FORMAT binary)}, one COPY per Spark partition over
 * ranges of the partition column. PostgreSQL then only sends each value's binary form (no text rendering,
 * no JDBC row protocol): the least database CPU per row there is (PostgreSQL docs, "COPY", Binary Format).
 *
 * <p>The schema is the one Spark's JDBC source reports for the same query, so a transform sees the same
 * types whichever way a source was read. Sources with a column type this reader doesn't decode use JDBC.
 */
final class CopyExtract {
  /** PostgreSQL types decoded here (binary send formats), by their pg_type name. */
  static final Set<String> TYPES = Set.of("int2", "int4", "int8", "float4", "float8", "bool", "text", "varchar",
      "bpchar", "bytea", "timestamptz", "geometry", "geography");
  /** Partition column types whose ranges are split here. */
  static final Set<String> RANGE_TYPES = Set.of("int2", "int4", "int8");

  private static final byte[] SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
  /** Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01. */
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

  private CopyExtract() {}

  static boolean supports(List<String> columnTypes, String partitionType) {
    return TYPES.containsAll(columnTypes) && (partitionType == null || RANGE_TYPES.contains(partitionType));
  }

  /** The COPY statement of each partition: {@code query} restricted to its range of {@code column}. */
  static List<String> partitionQueries(String query, String column, long lo, long hi, int n) {
    List<String> out = new ArrayList<>();
    if (column == null || n <= 1 || hi <= lo) {
      out.add(query);
      return out;
    }
    long span = hi - lo + 1;
    long step = Math.max(1, (span + n - 1) / n);
    for (long start = lo; start <= hi; start += step) {
      boolean first = start == lo;
      boolean last = start + step > hi;
      String range = first && last ? "TRUE"
          : first ? "(" + column + " < " + (start + step) + " OR " + column + " IS NULL)"
          : last ? column + " >= " + start
          : column + " >= " + start + " AND " + column + " < " + (start + step);
      // As a subquery: the source's own `where` keeps its precedence; PostgreSQL pushes the range down.
      out.add("SELECT * FROM (" + query + ") AS geoswap_src WHERE " + range);
    }
    return out;
  }

  /**
   * @param pgTypes the PostgreSQL type of each selected expression, in order (a geometry selected as
   *     {@code ST_AsEWKB(…)} is {@code bytea})
   */
  static Dataset<Row> read(SparkSession spark, DbSettings db, StructType schema, List<String> pgTypes,
      List<String> queries) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> copies = queries.stream().map(q -> "COPY (" + q + ") TO STDOUT (FORMAT binary)").toList();
    var rdd = jsc.parallelize(copies, copies.size()).mapPartitions(new Reader(db, schema, pgTypes.toArray(String[]::new)));
    return spark.createDataFrame(rdd, schema);
  }

  /** Runs one partition's COPY on an executor and decodes its rows as they stream in. */
  private record Reader(DbSettings db, StructType schema, String[] pgTypes)
      implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<String>, Row>, Serializable {
    @Override
    public Iterator<Row> call(Iterator<String> copies) throws Exception {
      if (!copies.hasNext()) return java.util.Collections.emptyIterator();
      String copy = copies.next();
      Connection c = Db.connect(db.withApplicationName("geoswap-extract"));
      TaskContext task = TaskContext.get();
      Runnable close = () -> {
        try {
          c.close();
        } catch (SQLException e) {
          // the rows are read; nothing to do
        }
      };
      if (task != null) task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) t -> close.run());
      PGCopyInputStream in = new PGCopyInputStream(c.unwrap(PGConnection.class), copy);
      return new Rows(new DataInputStream(new BufferedInputStream(in, 1 << 16)), schema, pgTypes,
          task == null ? close : null);
    }
  }

  /** Decodes tuples of PostgreSQL's binary COPY format into Rows of {@code schema}'s Java types. */
  static final class Rows implements Iterator<Row> {
    private final DataInputStream in;
    private final DataType[] types;
    private final String[] pgTypes;
    private final Runnable onEnd;
    private Row next;
    private boolean done;

    Rows(DataInputStream in, StructType schema, String[] pgTypes, Runnable onEnd) throws IOException {
      this.in = in;
      this.types = java.util.Arrays.stream(schema.fields()).map(StructField::dataType).toArray(DataType[]::new);
      this.pgTypes = pgTypes;
      this.onEnd = onEnd;
      if (pgTypes.length != types.length) throw new IllegalArgumentException("types and schema differ in length");
      byte[] sig = new byte[SIGNATURE.length];
      in.readFully(sig);
      if (!java.util.Arrays.equals(sig, SIGNATURE)) throw new IOException("not a binary COPY stream");
      in.readInt(); // flags: bit 16 (OIDs) is never set by COPY TO of a query
      in.skipNBytes(in.readInt()); // header extension
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) next = read();
      return next != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) throw new NoSuchElementException();
      Row r = next;
      next = null;
      return r;
    }

    private Row read() {
      try {
        short fields = in.readShort();
        if (fields == -1) {
          end();
          return null;
        }
        if (fields != types.length) throw new IOException("COPY row has " + fields + " fields, expected " + types.length);
        Object[] values = new Object[fields];
        for (int i = 0; i < fields; i++) {
          int len = in.readInt();
          values[i] = len < 0 ? null : convert(decode(pgTypes[i], len), types[i]);
        }
        return RowFactory.create(values);
      } catch (EOFException e) {
        end();
        throw new IllegalStateException("binary COPY ended without its trailer", e);
      } catch (IOException e) {
        end();
        throw new IllegalStateException("reading binary COPY: " + e.getMessage(), e);
      }
    }

    /** A value in the Java type of its binary send format (PostgreSQL's *send functions). */
    private Object decode(String pgType, int len) throws IOException {
      switch (pgType) {
        case "int2": return (long) in.readShort();
        case "int4": return (long) in.readInt();
        case "int8": return in.readLong();
        case "float4": return (double) in.readFloat();
        case "float8": return in.readDouble();
        case "bool": return in.readByte() != 0;
        case "timestamptz": {
          long micros = in.readLong() + PG_EPOCH_MICROS;
          java.sql.Timestamp ts = new java.sql.Timestamp(Math.floorDiv(micros, 1000L));
          ts.setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000);
          return ts;
        }
        default: {
          byte[] b = new byte[len];
          in.readFully(b);
          return pgType.equals("bytea") ? b : new String(b, StandardCharsets.UTF_8);
        }
      }
    }

    /** As the JDBC source would have typed it (its schema is ours). */
    private static Object convert(Object v, DataType t) throws IOException {
      if (t.equals(DataTypes.LongType)) return ((Number) v).longValue();
      if (t.equals(DataTypes.IntegerType)) return ((Number) v).intValue();
      if (t.equals(DataTypes.ShortType)) return ((Number) v).shortValue();
      if (t.equals(DataTypes.DoubleType)) return ((Number) v).doubleValue();
      if (t.equals(DataTypes.FloatType)) return ((Number) v).floatValue();
      if (t.equals(DataTypes.BooleanType) || t.equals(DataTypes.TimestampType)
          || t.equals(DataTypes.StringType) || t.equals(DataTypes.BinaryType)) {
        return v;
      }
      throw new IOException("no binary decoding for Spark type " + t);
    }

    private void end() {
      done = true;
      if (onEnd != null) onEnd.run();
    }
  }

  /** Spark types the decoder produces; a JDBC schema with anything else goes the JDBC way. */
  static boolean decodable(StructType schema) {
    for (StructField f : schema.fields()) {
      DataType t = f.dataType();
      if (!(t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType)
          || t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType) || t.equals(DataTypes.BooleanType)
          || t.equals(DataTypes.TimestampType) || t.equals(DataTypes.StringType) || t.equals(DataTypes.BinaryType))) {
        return false;
      }
    }
    return true;
  }

  /** For tests: decode a whole binary COPY stream. */
  static List<Row> decodeAll(InputStream in, StructType schema, String... pgTypes) throws IOException {
    List<Row> rows = new ArrayList<>();
    new Rows(new DataInputStream(in), schema, pgTypes, null).forEachRemaining(rows::add);
    return rows;
  }
}
