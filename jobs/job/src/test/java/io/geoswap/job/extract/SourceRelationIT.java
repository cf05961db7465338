package io.geoswap.job.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import io.geoswap.job.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.io.WKBWriter;
import org.locationtech.jts.io.WKTReader;

/**
 * The source relation on a real local Spark, its rows from a hand-written fake: Spark asks it only for the
 * columns a query uses, and the checks' figures come from the query's own scan, once per partition.
 */
class SourceRelationIT {
  private static SparkSession spark;
  private static final GeometryFactory GF = new GeometryFactory();
  private static final String BOWTIE = "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))";

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  private static final List<ScanColumn> COLUMNS = List.of(
      new ScanColumn("id", DataTypes.LongType, false),
      new ScanColumn("category", DataTypes.StringType, false),
      new ScanColumn("value", DataTypes.DoubleType, false),
      new ScanColumn("geom", new GeometryUDT(), true));

  /** Rows in two partitions: per partition a list of rows (id, category, value, WKT or null). */
  private record FakeRows(List<List<Object[]>> data, List<List<String>> asked) implements RowSource {
    @Override
    public int partitions() {
      return data.size();
    }

    @Override
    public JavaRDD<Object[]> read(JavaSparkContext jsc, List<ScanColumn> columns) {
      List<String> names = columns.stream().map(ScanColumn::name).toList();
      asked.add(names);
      List<List<Object[]>> projected = new ArrayList<>();
      for (List<Object[]> part : data) {
        List<Object[]> rows = new ArrayList<>();
        for (Object[] full : part) {
          Object[] r = new Object[names.size()];
          for (int i = 0; i < r.length; i++) r[i] = value(full, names.get(i));
          rows.add(r);
        }
        projected.add(rows);
      }
      return jsc.parallelize(projected, projected.size()).flatMap(List::iterator);
    }

    private static Object value(Object[] full, String column) {
      return switch (column) {
        case "id" -> full[0];
        case "category" -> UTF8String.fromString((String) full[1]);
        case "value" -> full[2];
        default -> full[3] == null ? null : ewkb((String) full[3], 4326);
      };
    }
  }

  private static byte[] ewkb(String wkt, int srid) {
    try {
      Geometry g = new WKTReader(GF).read(wkt);
      g.setSRID(srid);
      return new WKBWriter(2, true).write(g);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object[] row(long id, String wkt) {
    return new Object[] {id, "c" + (id % 3), (double) id, wkt};
  }

  private static String point(long id) {
    return GF.createPoint(new Coordinate(id, id)).toText();
  }

  private static FakeRows fake(Object[]... badRows) {
    List<Object[]> first = new ArrayList<>();
    List<Object[]> second = new ArrayList<>();
    for (long i = 1; i <= 10; i++) first.add(row(i, point(i)));
    for (long i = 11; i <= 20; i++) second.add(row(i, point(i)));
    second.addAll(List.of(badRows));
    return new FakeRows(List.of(first, second), new CopyOnWriteArrayList<>());
  }

  private static SourceRelation relation(FakeRows rows, InvalidGeometryPolicy policy, String name) {
    SourceRelation r = new SourceRelation(spark.sqlContext(), COLUMNS, rows, policy, List.of("id"), name);
    r.frame().createOrReplaceTempView(name);
    return r;
  }

  @Test
  void sparkAsksOnlyForTheColumnsTheQueryUsesPlusGeometriesAndKeys() {
    FakeRows rows = fake();
    relation(rows, InvalidGeometryPolicy.FAIL, "pruned");
    Row r = spark.sql("SELECT sum(value), count(DISTINCT category) FROM pruned").first();
    assertThat(r.getDouble(0)).isEqualTo(210.0);
    assertThat(r.getLong(1)).isEqualTo(3);
    // value and category for the query; geom for the checks
    assertThat(rows.asked()).containsExactly(List.of("category", "value", "geom"));
    rows.asked().clear();
    spark.sql("SELECT ST_X(geom) FROM pruned").collectAsList();
    assertThat(rows.asked()).containsExactly(List.of("geom"));
  }

  @Test
  void theChecksFiguresComeFromTheQuerysOwnScanOncePerPartition() {
    FakeRows rows = fake(row(21, BOWTIE), row(22, null));
    SourceRelation rel = relation(rows, InvalidGeometryPolicy.DROP, "twice");
    // The source is scanned twice by one query (a self-join on other columns: no reused exchange), yet
    // each partition counts once.
    long n = spark.sql("SELECT count(*) FROM twice a JOIN (SELECT DISTINCT category FROM twice) b"
        + " ON a.category = b.category WHERE a.value >= 0").first().getLong(0);
    assertThat(n).isEqualTo(20);
    ScanFigures s = rel.check();
    assertThat(rows.asked()).hasSize(2).doesNotContain(List.of("id", "geom")); // two scans; check() needed no third
    assertThat(s.rows).isEqualTo(22);
    assertThat(s.dropped).isEqualTo(2);
    assertThat(s.invalid[0]).isEqualTo(1);
    assertThat(s.nulls[0]).isEqualTo(1);
    assertThat(s.minSrid[0]).isEqualTo(4326);
    assertThat(s.maxSrid[0]).isEqualTo(4326);
    // The keys of offending rows are read only to explain a failure, by a scan of their own.
    assertThat(s.invalidSamples.get(0)).singleElement().asString().startsWith("Self-intersection");
    ScanFigures named = rel.samples();
    assertThat(rows.asked()).last().isEqualTo(List.of("id", "geom"));
    assertThat(named.invalidSamples.get(0)).singleElement().asString().startsWith("id=21 (Self-intersection");
    assertThat(named.nullSamples.get(0)).containsExactly("id=22 (NULL geometry)");
    assertThat(named.rows).isEqualTo(s.rows);
  }

  @Test
  void underFailTheTransformNeverSeesABadRowAndMakeValidRepairsIt() {
    relation(fake(row(21, BOWTIE)), InvalidGeometryPolicy.FAIL, "failing");
    assertThat(spark.sql("SELECT count(*) FROM failing WHERE NOT ST_IsValid(geom)").first().getLong(0)).isZero();
    SourceRelation repaired = relation(fake(row(21, BOWTIE)), InvalidGeometryPolicy.MAKE_VALID, "repairing");
    Row r = spark.sql("SELECT count(*), count_if(ST_IsValid(geom)) FROM repairing").first();
    assertThat(r.getLong(0)).isEqualTo(21);
    assertThat(r.getLong(1)).isEqualTo(21);
    assertThat(repaired.check().repaired[0]).isEqualTo(1);
  }

  @Test
  void aPartitionTheQueryDidNotReadToItsEndIsReadAgainForTheChecks() {
    FakeRows rows = fake(row(21, BOWTIE));
    SourceRelation rel = relation(rows, InvalidGeometryPolicy.FAIL, "limited");
    assertThat(spark.sql("SELECT id FROM limited LIMIT 1").collectAsList()).hasSize(1);
    ScanFigures s = rel.check();
    assertThat(s.rows).isEqualTo(21);
    assertThat(s.invalid[0]).isEqualTo(1);
    assertThat(rows.asked().size()).isGreaterThanOrEqualTo(2);
  }
}
