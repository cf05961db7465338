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
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * Reads a source with {@code COPY (query) TO STDOUT (FORMAT binary)}, one COPY per Spark partition over
 * ranges of the partition column. PostgreSQL then only sends each value's binary form (no text rendering,
 * no JDBC row protocol): the least database CPU per row there is (PostgreSQL docs, "COPY", Binary Format).
 *
 * <p>Values are decoded straight into Spark's internal representation (UTF8String, microseconds), typed
 * as Spark's JDBC source types the same query, so a transform sees the same types whichever way a source
 * was read, and no Row → InternalRow conversion runs per row. Sources with a column this reader has no
 * decoder for use JDBC.
 */
final class CopyExtract {
  /** Partition column types whose ranges are split here. */
  static final Set<String> RANGE_TYPES = Set.of("int2", "int4", "int8");

  private static final byte[] SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
  /** Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01. */
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

  private CopyExtract() {}

  /** One column's value, read from the stream in its binary send format, in Spark's internal form. */
  @FunctionalInterface
  interface Decoder extends Serializable {
    Object read(DataInputStream in, int len) throws IOException;
  }

  /**
   * The decoder of a column of PostgreSQL type {@code pgType} that the JDBC source types {@code spark}, or
   * null when this reader has none (the source then goes the JDBC way). PostgreSQL's *send functions define
   * the formats; the Spark type decides the value's type. {@code geometry} arrives as PostGIS's send form,
   * EWKB (the SRID included), as bytes for {@link SourceRelation} to parse.
   */
  static Decoder decoder(String pgType, DataType spark) {
    boolean integral = spark.equals(DataTypes.LongType) || spark.equals(DataTypes.IntegerType)
        || spark.equals(DataTypes.ShortType);
    boolean floating = spark.equals(DataTypes.DoubleType) || spark.equals(DataTypes.FloatType);
    return switch (pgType) {
      case "int2" -> integral ? (in, len) -> integral(in.readShort(), spark) : null;
      case "int4" -> integral ? (in, len) -> integral(in.readInt(), spark) : null;
      case "int8" -> integral ? (in, len) -> integral(in.readLong(), spark) : null;
      case "float4" -> floating ? (in, len) -> floating(in.readFloat(), spark) : null;
      case "float8" -> floating ? (in, len) -> floating(in.readDouble(), spark) : null;
      case "bool" -> spark.equals(DataTypes.BooleanType) ? (in, len) -> in.readByte() != 0 : null;
      case "timestamptz" -> spark.equals(DataTypes.TimestampType) ? (in, len) -> in.readLong() + PG_EPOCH_MICROS : null;
      case "bytea", "geometry" -> spark.equals(DataTypes.BinaryType) ? (in, len) -> bytes(in, len) : null;
      case "text", "varchar", "bpchar" -> spark.equals(DataTypes.StringType)
          ? (in, len) -> UTF8String.fromBytes(bytes(in, len)) : null;
      default -> null;
    };
  }

  /** The decoders of every column, or null if one has none. */
  static Decoder[] decoders(List<String> pgTypes, List<DataType> sparkTypes) {
    if (pgTypes.size() != sparkTypes.size()) throw new IllegalArgumentException("types differ in length");
    Decoder[] d = new Decoder[pgTypes.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = decoder(pgTypes.get(i), sparkTypes.get(i));
      if (d[i] == null) return null;
    }
    return d;
  }

  private static Object integral(long v, DataType t) {
    return t.equals(DataTypes.LongType) ? (Object) v : t.equals(DataTypes.IntegerType) ? (Object) (int) v : (Object) (short) v;
  }

  private static Object floating(double v, DataType t) {
    return t.equals(DataTypes.DoubleType) ? (Object) v : (Object) (float) v;
  }

  private static byte[] bytes(DataInputStream in, int len) throws IOException {
    byte[] b = new byte[len];
    in.readFully(b);
    return b;
  }

  /**
   * The condition of each partition on {@code column} (already quoted), covering every value once and
   * NULLs in the first; one {@code TRUE} when there is nothing to split.
   */
  static List<String> ranges(String column, long lo, long hi, int n) {
    List<String> out = new ArrayList<>();
    if (column == null || n <= 1 || hi <= lo) {
      out.add("TRUE");
      return out;
    }
    long span = hi - lo + 1;
    long step = Math.max(1, (span + n - 1) / n);
    for (long start = lo; start <= hi; start += step) {
      boolean first = start == lo;
      boolean last = start + step > hi;
      out.add(first && last ? "TRUE"
          : first ? "(" + column + " < " + (start + step) + " OR " + column + " IS NULL)"
          : last ? column + " >= " + start
          : column + " >= " + start + " AND " + column + " < " + (start + step));
    }
    return out;
  }

  /** Runs one COPY on an executor and decodes its rows as they stream in; closes when read or the task ends. */
  static Iterator<Object[]> stream(DbSettings db, String copy, Decoder[] decoders) throws SQLException, IOException {
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
    return new Rows(new DataInputStream(new BufferedInputStream(in, 1 << 16)), decoders, close);
  }

  /** Decodes tuples of PostgreSQL's binary COPY format, a column's decoder per field. */
  static final class Rows implements Iterator<Object[]> {
    private final DataInputStream in;
    private final Decoder[] decoders;
    private final Runnable onEnd;
    private Object[] next;
    private boolean done;

    Rows(DataInputStream in, Decoder[] decoders, Runnable onEnd) throws IOException {
      this.in = in;
      this.decoders = decoders;
      this.onEnd = onEnd;
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
    public Object[] next() {
      if (!hasNext()) throw new NoSuchElementException();
      Object[] r = next;
      next = null;
      return r;
    }

    private Object[] read() {
      try {
        short fields = in.readShort();
        if (fields == -1) {
          end();
          return null;
        }
        if (fields != decoders.length) {
          throw new IOException("COPY row has " + fields + " fields, expected " + decoders.length);
        }
        Object[] values = new Object[fields];
        for (int i = 0; i < fields; i++) {
          int len = in.readInt();
          values[i] = len < 0 ? null : decoders[i].read(in, len);
        }
        return values;
      } catch (EOFException e) {
        end();
        throw new IllegalStateException("binary COPY ended without its trailer", e);
      } catch (IOException e) {
        end();
        throw new IllegalStateException("reading binary COPY: " + e.getMessage(), e);
      }
    }

    private void end() {
      done = true;
      if (onEnd != null) onEnd.run();
    }
  }

  /** For tests: decode a whole binary COPY stream. */
  static List<Object[]> decodeAll(InputStream in, List<DataType> types, String... pgTypes) throws IOException {
    List<Object[]> rows = new ArrayList<>();
    new Rows(new DataInputStream(in), decoders(List.of(pgTypes), types), null).forEachRemaining(rows::add);
    return rows;
  }
}
