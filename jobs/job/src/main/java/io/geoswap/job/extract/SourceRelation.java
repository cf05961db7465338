package io.geoswap.job.extract;

import io.geoswap.common.db.DbSettings;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.sedona.common.Constructors;
import org.apache.sedona.common.Functions;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.PrunedScan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.AccumulatorV2;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.ParseException;

/**
 * A source as the transform reads it: a Spark relation whose scan reads only the columns a query uses
 * (Spark prunes them, {@link PrunedScan}), decodes them straight into Spark's internal rows
 * ({@code needConversion = false}: no Row conversion per row), parses each geometry once, and applies the
 * spec's geometry policy on the way, counting per partition what it finds (rows, NULL and invalid
 * geometries, SRIDs, the first offending keys).
 *
 * <p>So a source is read once, by the transform itself: no cached copy and no second pass for the checks.
 * Rows the policy rejects never reach the transform (under {@code fail} the build then fails on
 * {@link #check()}, before anything is loaded). The figures come back in an accumulator keyed by partition,
 * so a partition that Spark computes twice (two scans of one source, a retried task) counts once.
 */
final class SourceRelation extends BaseRelation implements PrunedScan {
  static final int SAMPLE_KEYS = 5;

  /** A column as read: its name, its Spark type (geometries as GeometryUDT), and whether it is a geometry. */
  record Column(String name, DataType type, boolean geometry) implements Serializable {}

  /** Where rows come from: per partition, the values of {@code columns} (geometries as EWKB bytes). */
  interface Rows {
    int partitions();

    JavaRDD<Object[]> read(JavaSparkContext jsc, List<Column> columns);
  }

  private final transient SQLContext sqlContext;
  private final List<Column> columns;
  private final StructType schema;
  private final Rows rows;
  private final InvalidGeometryPolicy policy;
  private final List<String> sampleKeys;
  private final Stats stats = new Stats();
  /** Set while {@link #samples()} reads the keys of offending rows along. */
  private volatile boolean withKeys;

  /**
   * @param sampleKeys columns that name an offending row in messages (the primary key, else the partition
   *     column); read only when a failure is to be explained ({@link #samples()})
   */
  SourceRelation(SQLContext sqlContext, List<Column> columns, Rows rows, InvalidGeometryPolicy policy,
      List<String> sampleKeys, String name) {
    this.sqlContext = sqlContext;
    this.columns = columns;
    this.rows = rows;
    this.policy = policy;
    this.sampleKeys = sampleKeys;
    StructType s = new StructType();
    for (Column c : columns) s = s.add(c.name(), c.type(), true);
    this.schema = s;
    sqlContext.sparkContext().register(stats, "geoswap source " + name);
  }

  @Override
  public SQLContext sqlContext() {
    return sqlContext;
  }

  @Override
  public StructType schema() {
    return schema;
  }

  /** The scan builds internal rows itself (as Spark's JDBC relation does). */
  @Override
  public boolean needConversion() {
    return false;
  }

  @Override
  public RDD<Row> buildScan(String[] requiredColumns) {
    // Read what the query needs, plus what the checks need: every geometry column (and, to explain a
    // failure, the keys).
    List<String> required = Arrays.asList(requiredColumns);
    boolean keys = withKeys;
    List<Column> read = columns.stream().filter(c -> required.contains(c.name()) || c.geometry()
        || (keys && sampleKeys.contains(c.name()))).toList();
    List<String> readNames = read.stream().map(Column::name).toList();
    int[] out = required.stream().mapToInt(readNames::indexOf).toArray();
    Checker checker = new Checker(read, out, sampleKeys.stream().mapToInt(readNames::indexOf).toArray(), policy, stats);
    JavaRDD<InternalRow> internal = rows.read(JavaSparkContext.fromSparkContext(sqlContext.sparkContext()), read).mapPartitionsWithIndex(checker, true);
    // needConversion() is false: Spark takes these as InternalRows, the way its JDBC relation hands them over.
    @SuppressWarnings({"unchecked", "rawtypes"})
    RDD<Row> asRows = (RDD) internal.rdd();
    return asRows;
  }

  /** The source as a DataFrame (what the transform's temp view reads). */
  Dataset<Row> frame() {
    return sqlContext.sparkSession().baseRelationToDataFrame(this);
  }

  /**
   * The source's figures, summed over its partitions. A partition that no query read to its end (a
   * transform that never reads the source, or stops early) is read once more, here, for its checks.
   */
  PartitionStats check() {
    if (stats.value().size() < rows.partitions()) {
      frame().count(); // a scan of no columns but the checks'
    }
    return total();
  }

  /**
   * The figures again, from a scan that also reads the keys, so that the samples name the offending rows
   * ({@code id=7 (NULL geometry)}): only when a build fails on them, so the keys cost nothing otherwise.
   */
  PartitionStats samples() {
    withKeys = true;
    try {
      frame().count(); // a scan of no columns but the checks'
    } finally {
      withKeys = false;
    }
    return total();
  }

  /** The partitions' figures, summed, in partition order. */
  private PartitionStats total() {
    PartitionStats total = new PartitionStats(geometryNames());
    stats.value().values().forEach(total::addAll);
    return total;
  }

  List<String> geometryNames() {
    return columns.stream().filter(Column::geometry).map(Column::name).toList();
  }

  /** What a partition's scan found; per geometry column in {@link #geometryNames()} order. */
  static final class PartitionStats implements Serializable {
    final List<String> geometries;
    long rows;
    long dropped;
    final long[] nulls;
    final long[] invalid;
    final long[] repaired;
    final Integer[] minSrid;
    final Integer[] maxSrid;
    final List<List<String>> nullSamples = new ArrayList<>();
    final List<List<String>> invalidSamples = new ArrayList<>();

    PartitionStats(List<String> geometries) {
      this.geometries = geometries;
      int n = geometries.size();
      nulls = new long[n];
      invalid = new long[n];
      repaired = new long[n];
      minSrid = new Integer[n];
      maxSrid = new Integer[n];
      for (int i = 0; i < n; i++) {
        nullSamples.add(new ArrayList<>());
        invalidSamples.add(new ArrayList<>());
      }
    }

    void srid(int g, int srid) {
      if (minSrid[g] == null || srid < minSrid[g]) minSrid[g] = srid;
      if (maxSrid[g] == null || srid > maxSrid[g]) maxSrid[g] = srid;
    }

    void addAll(PartitionStats o) {
      rows += o.rows;
      dropped += o.dropped;
      for (int g = 0; g < geometries.size(); g++) {
        nulls[g] += o.nulls[g];
        invalid[g] += o.invalid[g];
        repaired[g] += o.repaired[g];
        if (o.minSrid[g] != null) srid(g, o.minSrid[g]);
        if (o.maxSrid[g] != null) srid(g, o.maxSrid[g]);
        sample(nullSamples.get(g), o.nullSamples.get(g));
        sample(invalidSamples.get(g), o.invalidSamples.get(g));
      }
    }

    private static void sample(List<String> into, List<String> from) {
      for (String s : from) if (into.size() < SAMPLE_KEYS) into.add(s);
    }
  }

  /** Partition index → its figures; a partition reported again replaces itself. */
  static final class Stats extends AccumulatorV2<Map.Entry<Integer, PartitionStats>, Map<Integer, PartitionStats>> {
    private final Map<Integer, PartitionStats> byPartition = new HashMap<>();

    @Override
    public boolean isZero() {
      return byPartition.isEmpty();
    }

    @Override
    public Stats copy() {
      Stats s = new Stats();
      synchronized (byPartition) {
        s.byPartition.putAll(byPartition);
      }
      return s;
    }

    @Override
    public void reset() {
      synchronized (byPartition) {
        byPartition.clear();
      }
    }

    @Override
    public void add(Map.Entry<Integer, PartitionStats> e) {
      synchronized (byPartition) {
        byPartition.put(e.getKey(), e.getValue());
      }
    }

    @Override
    public void merge(AccumulatorV2<Map.Entry<Integer, PartitionStats>, Map<Integer, PartitionStats>> other) {
      Map<Integer, PartitionStats> theirs = other.value();
      synchronized (byPartition) {
        byPartition.putAll(theirs);
      }
    }

    @Override
    public Map<Integer, PartitionStats> value() {
      synchronized (byPartition) {
        return new TreeMap<>(byPartition); // in partition order: "the first offending rows" are the first read
      }
    }
  }

  /**
   * Per row: parse each geometry (ST_GeomFromWKB's parser), note its SRID, test it (ST_IsValid's test) and
   * apply the policy (ST_MakeValid's repair), so the transform gets what the SQL functions would have
   * given it; then the required columns, geometries in Sedona's serialized form.
   */
  private static final class Checker implements Function2<Integer, Iterator<Object[]>, Iterator<InternalRow>> {
    private final int[] geometries;
    private final String[] geometryNames;
    private final int[] out;
    /** Per output column, its slot among the geometries, or -1. */
    private final int[] outGeometry;
    private final int[] keys;
    private final String[] keyNames;
    private final DataType[] keyTypes;
    private final InvalidGeometryPolicy policy;
    private final Stats stats;
    private final GeometryUDT udt = new GeometryUDT();

    Checker(List<Column> read, int[] out, int[] keys, InvalidGeometryPolicy policy, Stats stats) {
      List<Integer> g = new ArrayList<>();
      for (int i = 0; i < read.size(); i++) if (read.get(i).geometry()) g.add(i);
      this.geometries = g.stream().mapToInt(Integer::intValue).toArray();
      this.geometryNames = g.stream().map(i -> read.get(i).name()).toArray(String[]::new);
      this.out = out;
      this.outGeometry = new int[out.length];
      for (int i = 0; i < out.length; i++) outGeometry[i] = g.indexOf(out[i]);
      this.keys = Arrays.stream(keys).filter(k -> k >= 0).toArray();
      this.keyNames = Arrays.stream(this.keys).mapToObj(k -> read.get(k).name()).toArray(String[]::new);
      this.keyTypes = Arrays.stream(this.keys).mapToObj(k -> read.get(k).type()).toArray(DataType[]::new);
      this.policy = policy;
      this.stats = stats;
    }

    @Override
    public Iterator<InternalRow> call(Integer partition, Iterator<Object[]> in) {
      PartitionStats st = new PartitionStats(Arrays.asList(geometryNames));
      Geometry[] parsed = new Geometry[geometries.length];
      return new Iterator<>() {
        private InternalRow next;
        private boolean reported;

        @Override
        public boolean hasNext() {
          while (next == null) {
            if (!in.hasNext()) {
              // Reported only when read to the end: a partial read must not pass for the whole partition.
              if (!reported) stats.add(Map.entry(partition, st));
              reported = true;
              return false;
            }
            next = check(in.next(), st, parsed);
          }
          return true;
        }

        @Override
        public InternalRow next() {
          if (!hasNext()) throw new NoSuchElementException();
          InternalRow r = next;
          next = null;
          return r;
        }
      };
    }

    /** The row as the transform sees it, or null when the policy leaves it out. */
    private InternalRow check(Object[] values, PartitionStats st, Geometry[] parsed) {
      st.rows++;
      boolean keep = true;
      for (int g = 0; g < geometries.length; g++) {
        byte[] ewkb = (byte[]) values[geometries[g]];
        if (ewkb == null) {
          st.nulls[g]++;
          if (st.nullSamples.get(g).size() < SAMPLE_KEYS) st.nullSamples.get(g).add(sample(values, "NULL geometry"));
          keep = false;
          continue;
        }
        Geometry geom;
        try {
          geom = Constructors.geomFromWKB(ewkb);
        } catch (ParseException e) {
          throw new IllegalStateException("column " + geometryNames[g] + ": unreadable WKB: " + e.getMessage(), e);
        }
        st.srid(g, geom.getSRID());
        if (!Functions.isValid(geom)) {
          st.invalid[g]++;
          if (st.invalidSamples.get(g).size() < SAMPLE_KEYS) {
            st.invalidSamples.get(g).add(sample(values, Functions.isValidReason(geom)));
          }
          if (policy == InvalidGeometryPolicy.MAKE_VALID) {
            st.repaired[g]++;
            geom = Functions.makeValid(geom, false);
          } else {
            keep = false;
          }
        }
        parsed[g] = geom;
      }
      if (!keep) {
        st.dropped++;
        return null;
      }
      Object[] row = new Object[out.length];
      for (int i = 0; i < out.length; i++) {
        row[i] = outGeometry[i] >= 0 ? udt.serialize(parsed[outGeometry[i]]) : values[out[i]];
      }
      return new GenericInternalRow(row);
    }

    /** {@code id=7 (reason)}, as the messages name offending rows. */
    private String sample(Object[] values, String reason) {
      if (keys.length == 0) return reason;
      StringBuilder s = new StringBuilder();
      for (int k = 0; k < keys.length; k++) {
        if (k > 0) s.append(',');
        Object v = values[keys[k]];
        if (v != null && keyTypes[k].equals(DataTypes.TimestampType)) {
          v = java.time.Instant.EPOCH.plus((Long) v, java.time.temporal.ChronoUnit.MICROS);
        }
        s.append(keyNames[k]).append('=').append(v);
      }
      return s.append(" (").append(reason).append(')').toString();
    }
  }

  /** Rows from binary COPY, one statement per partition (see {@link CopyExtract}). */
  /**
   * @param selects per column, its select-list expression and the PostgreSQL type that sends
   */
  record CopyRows(DbSettings db, String table, String where, List<String> ranges, Map<String, String[]> selects)
      implements Rows {
    @Override
    public int partitions() {
      return ranges.size();
    }

    @Override
    public JavaRDD<Object[]> read(JavaSparkContext jsc, List<Column> columns) {
      List<String> select = new ArrayList<>();
      List<String> pg = new ArrayList<>();
      List<DataType> types = new ArrayList<>();
      for (Column c : columns) {
        select.add(selects.get(c.name())[0]);
        pg.add(selects.get(c.name())[1]);
        types.add(c.geometry() ? DataTypes.BinaryType : c.type());
      }
      // A query that needs no column (a count) still reads one: COPY needs a select list.
      String list = select.isEmpty() ? "NULL" : String.join(", ", select);
      int width = columns.size();
      CopyExtract.Decoder[] decoders = width == 0 ? new CopyExtract.Decoder[] {(in, len) -> null}
          : CopyExtract.decoders(pg, types);
      List<String> copies = ranges.stream().map(r -> "COPY (SELECT " + list + " FROM " + table + " WHERE "
          + (where == null ? "" : "(" + where + ") AND ") + r + ") TO STDOUT (FORMAT binary)").toList();
      return jsc.parallelize(copies, copies.size()).mapPartitions(new CopyPartition(db, decoders, width));
    }
  }

  /** One partition's COPY, on an executor. */
  private record CopyPartition(DbSettings db, CopyExtract.Decoder[] decoders, int width)
      implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<String>, Object[]> {
    @Override
    public Iterator<Object[]> call(Iterator<String> copy) throws Exception {
      if (!copy.hasNext()) return java.util.Collections.emptyIterator();
      Iterator<Object[]> rows = CopyExtract.stream(db, copy.next(), decoders);
      if (width > 0) return rows;
      return new Iterator<>() { // a count: rows of no columns
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Object[] next() {
          rows.next();
          return new Object[0];
        }
      };
    }
  }

  /** Rows from Spark's JDBC source (column types COPY has no decoder for); the read is pruned the same way. */
  record JdbcRows(Dataset<Row> jdbc, int partitions) implements Rows {
    @Override
    public JavaRDD<Object[]> read(JavaSparkContext jsc, List<Column> columns) {
      String[] names = columns.stream().map(c -> "`" + c.name() + "`").toArray(String[]::new);
      Dataset<Row> pruned = columns.isEmpty() ? jdbc.selectExpr("1 AS one") : jdbc.selectExpr(names);
      DataType[] types = Arrays.stream(pruned.schema().fields()).map(StructField::dataType).toArray(DataType[]::new);
      int width = columns.size();
      return pruned.queryExecution().toRdd().toJavaRDD().map(scanned -> {
        InternalRow r = scanned.copy(); // the scan reuses its row buffer, and strings point into it
        Object[] v = new Object[width];
        for (int i = 0; i < width; i++) v[i] = r.isNullAt(i) ? null : r.get(i, types[i]);
        return v;
      });
    }
  }
}
