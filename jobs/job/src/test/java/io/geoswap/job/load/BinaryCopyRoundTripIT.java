package io.geoswap.job.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.spec.PipelineSpec.GeometryColumn;
import io.geoswap.job.TestSpark;
import io.geoswap.testkit.TestDb;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKTReader;
import org.postgresql.PGConnection;

/**
 * Every Spark type the loader accepts, as Spark holds it internally, written with COPY binary into the
 * column type PgTypes gives it, read back with SQL: the values PostgreSQL stored are the values Spark had.
 */
class BinaryCopyRoundTripIT {
  private static final GeometryFactory GF = new GeometryFactory();
  private static SparkSession spark;
  private static TestDb db;

  private static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.IntegerType)
      .add("i8", DataTypes.LongType)
      .add("i2", DataTypes.ShortType)
      .add("i1", DataTypes.ByteType)
      .add("f8", DataTypes.DoubleType)
      .add("f4", DataTypes.FloatType)
      .add("wide", DataTypes.createDecimalType(38, 10))
      .add("narrow", DataTypes.createDecimalType(10, 2))
      .add("whole", DataTypes.createDecimalType(20, 0))
      .add("txt", DataTypes.StringType)
      .add("ok", DataTypes.BooleanType)
      .add("day", DataTypes.DateType)
      .add("at", DataTypes.TimestampType)
      .add("wall", DataTypes.TimestampNTZType)
      .add("raw", DataTypes.BinaryType)
      .add("geom", new GeometryUDT())
      .add("shape", new GeometryUDT());

  @BeforeAll
  static void setUp() {
    spark = TestSpark.start("local[1]");
    db = TestDb.fresh("it_binary_copy");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  private static Geometry wkt(String wkt, int srid) throws Exception {
    Geometry g = new WKTReader().read(wkt);
    g.setSRID(srid);
    return g;
  }

  private static List<Row> rows() throws Exception {
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(1, Long.MIN_VALUE, Short.MIN_VALUE, Byte.MIN_VALUE, Double.NaN, Float.NaN,
        new BigDecimal("-1234567890123456789012345678.0123456789"), new BigDecimal("-0.01"),
        new BigDecimal("-99999999999999999999"), "Grüße aus 東京 👋, tab\tnewline\nbackslash\\", true,
        Date.valueOf(LocalDate.of(1999, 12, 31)), Timestamp.from(Instant.parse("1969-07-20T20:17:40.123456Z")),
        LocalDateTime.parse("1999-12-31T23:59:59.999999"), new byte[] {0, (byte) 0xFF, '\\', '\n'},
        GF.createPoint(new Coordinate(10.5, -50.25)), wkt("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))", 3857)));
    rows.add(RowFactory.create(2, Long.MAX_VALUE, Short.MAX_VALUE, Byte.MAX_VALUE, Double.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, new BigDecimal("9999999999999999999999999999.9999999999"), new BigDecimal("12.50"),
        new BigDecimal("12345678901234567890"), "", false, Date.valueOf(LocalDate.of(1, 1, 1)),
        Timestamp.from(Instant.parse("1900-01-01T00:00:00.000001Z")), LocalDateTime.parse("0001-01-01T00:00:00"),
        new byte[0], GF.createPoint(new Coordinate(-179.5, 89.5)), GF.createPoint(new Coordinate(-179.5, 89.5, 1200.25))));
    rows.add(RowFactory.create(3, 0L, (short) 0, (byte) 0, Double.NEGATIVE_INFINITY, -0.0f,
        new BigDecimal("0.0000000001"), new BigDecimal("0.00"), new BigDecimal("0"), "x", true,
        Date.valueOf(LocalDate.of(2026, 12, 2)), Timestamp.from(Instant.parse("2026-12-02T17:00:00Z")),
        LocalDateTime.parse("2038-01-19T03:14:08"), new byte[] {1},
        wkt("POINT(1 2)", 3857), wkt("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))", 3857)));
    rows.add(RowFactory.create(4, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null));
    rows.add(RowFactory.create(5, -1L, (short) -1, (byte) -1, -0.0, Float.MAX_VALUE, new BigDecimal("-0.5"),
        new BigDecimal("99999999.99"), new BigDecimal("-1"), "é", false, Date.valueOf(LocalDate.of(2000, 1, 1)),
        Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")), LocalDateTime.parse("2000-01-01T00:00:00"),
        new byte[] {'a'}, GF.createPoint(), wkt("LINESTRING(1 2, 3 4)", 0)));
    return rows;
  }

  /** Spark's internal rows for {@code rows}, as the loader gets them (UnsafeRows, copied out of reuse). */
  private static List<InternalRow> internalRows(List<Row> rows) {
    return spark.createDataFrame(rows, SCHEMA).queryExecution().toRdd().toJavaRDD()
        .map(InternalRow::copy).collect();
  }

  @Test
  void everyTypeArrivesAsSparkHadIt() throws Exception {
    List<String> defs = PgTypes.columnDefinitions(SCHEMA, new GeometryColumn("geom", 4326, "Geometry"),
        Map.of("shape", 3857), "test");
    // shape holds SRIDs 3857 and 0 and a Z point here: an untyped geometry column takes them as they are.
    defs.set(defs.size() - 1, "shape geometry");
    db.exec("DROP TABLE IF EXISTS t; CREATE TABLE t (" + String.join(", ", defs) + ")");

    List<Row> rows = rows();
    CopyBuffer buf = new CopyBuffer(1024);
    BinaryCopyEncoder encoder = new BinaryCopyEncoder(SCHEMA, "geom", 4326);
    BinaryCopyEncoder.header(buf);
    for (InternalRow r : internalRows(rows)) encoder.encode(r, buf);
    BinaryCopyEncoder.trailer(buf);

    try (Connection c = db.connect()) {
      long copied = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY t FROM STDIN (FORMAT binary)",
          new ByteArrayInputStream(Arrays.copyOf(buf.array(), buf.length())));
      assertThat(copied).isEqualTo(rows.size());
      try (Statement st = c.createStatement()) {
        st.execute("SET TimeZone = 'America/New_York'"); // timestamptz are instants whatever the session's zone
        try (ResultSet rs = st.executeQuery("SELECT id, i8, i2, i1, f8, f4, wide, narrow, whole, txt, ok, day, at,"
            + " wall, raw, ST_AsEWKB(geom), ST_SRID(geom), ST_AsEWKB(shape), ST_SRID(shape) FROM t ORDER BY id")) {
          for (Row expected : rows) {
            assertThat(rs.next()).isTrue();
            assertRow(expected, rs);
          }
          assertThat(rs.next()).isFalse();
        }
      }
    }
  }

  private static void assertRow(Row e, ResultSet rs) throws Exception {
    String id = "row " + e.getInt(0);
    assertThat(rs.getInt(1)).isEqualTo(e.getInt(0));
    assertThat(rs.getObject(2)).as(id).isEqualTo(e.get(1));
    assertThat(rs.getObject(3)).as(id).isEqualTo(e.isNullAt(2) ? null : (int) e.getShort(2));
    assertThat(rs.getObject(4)).as(id).isEqualTo(e.isNullAt(3) ? null : (int) e.getByte(3));
    assertThat(rs.getObject(5)).as(id).isEqualTo(e.get(4)); // Double.equals: NaN equals NaN, -0.0 differs from 0.0
    assertThat(rs.getObject(6)).as(id).isEqualTo(e.get(5));
    for (int col = 7; col <= 9; col++) {
      BigDecimal got = rs.getBigDecimal(col);
      BigDecimal want = e.isNullAt(col - 1) ? null : ((BigDecimal) e.get(col - 1))
          .setScale(((org.apache.spark.sql.types.DecimalType) SCHEMA.fields()[col - 1].dataType()).scale());
      assertThat(got).as(id + " " + SCHEMA.fields()[col - 1].name()).isEqualTo(want);
    }
    assertThat(rs.getString(10)).as(id).isEqualTo(e.get(9));
    assertThat(rs.getObject(11)).as(id).isEqualTo(e.get(10));
    assertThat(rs.getObject(12, LocalDate.class)).as(id).isEqualTo(e.isNullAt(11) ? null : e.getDate(11).toLocalDate());
    OffsetDateTime at = rs.getObject(13, OffsetDateTime.class);
    assertThat(at == null ? null : at.toInstant()).as(id).isEqualTo(e.isNullAt(12) ? null : e.getTimestamp(12).toInstant());
    assertThat(rs.getObject(14, LocalDateTime.class)).as(id).isEqualTo(e.get(13));
    assertThat(rs.getBytes(15)).as(id).isEqualTo(e.get(14));
    assertGeometry(id + " geom", (Geometry) e.get(15), 4326, rs.getBytes(16), rs.getObject(17));
    assertGeometry(id + " shape", (Geometry) e.get(16), e.isNullAt(16) ? 0 : ((Geometry) e.get(16)).getSRID(),
        rs.getBytes(18), rs.getObject(19));
  }

  private static void assertGeometry(String what, Geometry expected, int srid, byte[] ewkb, Object gotSrid)
      throws Exception {
    if (expected == null) {
      assertThat(ewkb).as(what).isNull();
      return;
    }
    Geometry got = new WKBReader().read(ewkb);
    assertThat(gotSrid).as(what).isEqualTo(srid);
    assertThat(got.getSRID()).as(what).isEqualTo(srid);
    assertThat(got.isEmpty()).as(what).isEqualTo(expected.isEmpty());
    assertThat(got.equalsExact(expected)).as(what + ": " + got + " vs " + expected).isTrue();
    if (!expected.isEmpty()) {
      assertThat(Double.valueOf(got.getCoordinate().getZ())).as(what).isEqualTo(Double.valueOf(expected.getCoordinate().getZ()));
    }
  }
}
