package io.geoswap.job.extract;

import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.PrunedScan;
import org.apache.spark.sql.types.StructType;

/**
 * A source as the transform reads it: a Spark relation whose scan reads only the columns a query uses
 * (Spark prunes them, {@link PrunedScan}), decodes them straight into Spark's internal rows
 * ({@code needConversion = false}: no Row conversion per row), parses each geometry once, and applies the
 * spec's geometry policy on the way, counting per partition what it finds (rows, NULL and invalid
 * geometries, SRIDs, the first offending keys): the scan of a partition is a {@link GeometryScan} over
 * a {@link RowSource} (binary COPY or Spark's JDBC source), its figures {@link ScanFigures}.
 *
 * <p>So a source is read once, by the transform itself: no cached copy and no second pass for the checks.
 * Rows the policy rejects never reach the transform (under {@code fail} the build then fails on
 * {@link #check()}, before anything is loaded). The figures come back in an accumulator keyed by partition,
 * so a partition that Spark computes twice (two scans of one source, a retried task) counts once.
 */
final class SourceRelation extends BaseRelation implements PrunedScan {
  private final transient SQLContext sqlContext;
  private final List<ScanColumn> columns;
  private final StructType schema;
  private final RowSource rows;
  private final GeometryPolicy policy;
  private final List<String> sampleKeys;
  private final FiguresAccumulator figures = new FiguresAccumulator();
  /** Set while {@link #samples()} reads the keys of offending rows along. */
  private volatile boolean withKeys;

  /**
   * @param sampleKeys columns that name an offending row in messages (the primary key, else the partition
   *     column); read only when a failure is to be explained ({@link #samples()})
   */
  SourceRelation(SQLContext sqlContext, List<ScanColumn> columns, RowSource rows, InvalidGeometryPolicy policy,
      List<String> sampleKeys, String name) {
    this.sqlContext = sqlContext;
    this.columns = columns;
    this.rows = rows;
    this.policy = new GeometryPolicy(policy);
    this.sampleKeys = sampleKeys;
    StructType s = new StructType();
    for (ScanColumn c : columns) s = s.add(c.name(), c.type(), true);
    this.schema = s;
    sqlContext.sparkContext().register(figures, "geoswap source " + name);
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
    List<ScanColumn> read = columns.stream().filter(c -> required.contains(c.name()) || c.geometry()
        || (keys && sampleKeys.contains(c.name()))).toList();
    List<String> readNames = read.stream().map(ScanColumn::name).toList();
    int[] out = required.stream().mapToInt(readNames::indexOf).toArray();
    GeometryScan scan = new GeometryScan(read, out, sampleKeys.stream().mapToInt(readNames::indexOf).toArray(),
        policy, figures);
    JavaRDD<InternalRow> internal = rows.read(JavaSparkContext.fromSparkContext(sqlContext.sparkContext()), read)
        .mapPartitionsWithIndex(scan, true);
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
  ScanFigures check() {
    if (figures.value().size() < rows.partitions()) {
      frame().count(); // a scan of no columns but the checks'
    }
    return total();
  }

  /**
   * The figures again, from a scan that also reads the keys, so that the samples name the offending rows
   * ({@code id=7 (NULL geometry)}): only when a build fails on them, so the keys cost nothing otherwise.
   */
  ScanFigures samples() {
    withKeys = true;
    try {
      frame().count(); // a scan of no columns but the checks'
    } finally {
      withKeys = false;
    }
    return total();
  }

  /** The partitions' figures, summed, in partition order. */
  private ScanFigures total() {
    ScanFigures total = new ScanFigures(geometryNames());
    figures.value().values().forEach(total::addAll);
    return total;
  }

  List<String> geometryNames() {
    return columns.stream().filter(ScanColumn::geometry).map(ScanColumn::name).toList();
  }

  /** The policy the scan applies, and {@link SourceReader.Read#check()} after it. */
  GeometryPolicy policy() {
    return policy;
  }
}
