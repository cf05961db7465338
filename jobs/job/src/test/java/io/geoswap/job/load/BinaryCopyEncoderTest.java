package io.geoswap.job.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.io.ByteOrderValues;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKBWriter;
import org.locationtech.jts.io.WKTReader;

/** The byte layout of the COPY binary tuples; PostgreSQL's reading of them is BinaryCopyRoundTripIT's. */
class BinaryCopyEncoderTest {
  private static final GeometryFactory GF = new GeometryFactory();
  private static final GeometryUDT UDT = new GeometryUDT();
  private static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

  private static ByteBuffer encode(StructType schema, String geometryColumn, int srid, Object... internal) {
    CopyBuffer out = new CopyBuffer(16);
    new BinaryCopyEncoder(schema, geometryColumn, srid).encode(new GenericInternalRow(internal), out);
    return ByteBuffer.wrap(Arrays.copyOf(out.array(), out.length()));
  }

  /** The value bytes of the only field of a one-column tuple. */
  private static byte[] onlyField(ByteBuffer tuple) {
    assertThat(tuple.getShort()).as("field count").isEqualTo((short) 1);
    byte[] value = new byte[tuple.getInt()];
    tuple.get(value);
    assertThat(tuple.remaining()).as("nothing after the field").isZero();
    return value;
  }

  private static StructType one(org.apache.spark.sql.types.DataType t) {
    return new StructType().add("c", t);
  }

  @Test
  void writesTheFieldCountThenMinusOneForEachNull() {
    StructType schema = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.StringType)
        .add("g", new GeometryUDT());
    ByteBuffer tuple = encode(schema, "g", 4326, null, null, null);
    assertThat(tuple.getShort()).isEqualTo((short) 3);
    assertThat(new int[] {tuple.getInt(), tuple.getInt(), tuple.getInt()}).containsExactly(-1, -1, -1);
    assertThat(tuple.remaining()).isZero();
  }

  @Test
  void timestampsCountMicrosecondsFromPostgresEpochNegativeBefore2000() {
    Instant before = Instant.parse("1969-07-20T20:17:40.123456Z");
    long sparkMicros = ChronoUnit.MICROS.between(Instant.EPOCH, before);
    ByteBuffer value = ByteBuffer.wrap(onlyField(encode(one(DataTypes.TimestampType), null, 0, sparkMicros)));
    assertThat(value.getLong()).isEqualTo(ChronoUnit.MICROS.between(PG_EPOCH, before)).isNegative();
  }

  @Test
  void datesCountDaysFromPostgresEpoch() {
    LocalDate date = LocalDate.of(1999, 12, 31);
    int sparkDays = (int) date.toEpochDay();
    ByteBuffer value = ByteBuffer.wrap(onlyField(encode(one(DataTypes.DateType), null, 0, sparkDays)));
    assertThat(value.getInt()).isEqualTo(ChronoUnit.DAYS.between(LocalDate.of(2000, 1, 1), date)).isEqualTo(-1);
  }

  @Test
  void doublesKeepTheirBitsForNanAndInfinities() {
    for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE}) {
      ByteBuffer value = ByteBuffer.wrap(onlyField(encode(one(DataTypes.DoubleType), null, 0, d)));
      assertThat(Double.doubleToRawLongBits(value.getDouble())).isEqualTo(Double.doubleToRawLongBits(d));
    }
  }

  @Test
  void textIsTheUtf8BytesAsTheyAre() {
    String s = "Grüße, 東京 👋\t\\";
    byte[] value = onlyField(encode(one(DataTypes.StringType), null, 0, UTF8String.fromString(s)));
    assertThat(value).isEqualTo(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void refusesATypeWithoutABinaryForm() {
    assertThatThrownBy(() -> new BinaryCopyEncoder(one(DataTypes.createArrayType(DataTypes.LongType)), null, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("array<bigint>");
  }

  @Test
  void pointsFromSedonasBytesAreTheEwkbJtsWrites() throws Exception {
    Geometry[] points = {
        GF.createPoint(new Coordinate(10.5, -50.25)),
        GF.createPoint(new Coordinate(-179.999999, 89.123456789, 12.5)),
        GF.createPoint(new Coordinate(1e-300, Double.MAX_VALUE)),
    };
    for (Geometry p : points) {
      for (int ownSrid : new int[] {0, 3857}) {
        p.setSRID(ownSrid);
        byte[] sedona = UDT.serialize(p);
        for (int target : new int[] {-1, 0, 4326}) {
          int srid = target < 0 ? ownSrid : target;
          CopyBuffer out = new CopyBuffer(8);
          SedonaEwkb.writeField(sedona, target, out);
          ByteBuffer field = ByteBuffer.wrap(Arrays.copyOf(out.array(), out.length()));
          byte[] ewkb = new byte[field.getInt()];
          field.get(ewkb);
          assertThat(field.remaining()).isZero();
          assertThat(ewkb).as("%s own SRID %d → %d", p, ownSrid, srid).isEqualTo(SedonaEwkb.viaJts(sedona, srid));
          Geometry back = new WKBReader().read(ewkb);
          assertThat(back.equalsExact(p)).isTrue();
          assertThat(back.getSRID()).isEqualTo(srid);
          assertThat(Double.valueOf(back.getCoordinate().getZ())).isEqualTo(Double.valueOf(p.getCoordinate().getZ()));
        }
      }
    }
  }

  @Test
  void otherGeometriesGoThroughJtsWithTheSridAsked() throws Exception {
    Geometry poly = new WKTReader().read("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))");
    poly.setSRID(3857);
    byte[] ewkb = onlyField(encode(one(new GeometryUDT()), "c", 4326, (Object) UDT.serialize(poly)));
    Geometry back = new WKBReader().read(ewkb);
    assertThat(back.getSRID()).isEqualTo(4326);
    assertThat(back.equalsExact(poly)).isTrue();
    assertThat(ewkb).isEqualTo(new WKBWriter(2, ByteOrderValues.LITTLE_ENDIAN, true).write(back));
  }

  @Test
  void anEmptyPointIsNotTakenForACoordinate() throws Exception {
    Geometry empty = GF.createPoint();
    byte[] ewkb = onlyField(encode(one(new GeometryUDT()), "c", 4326, (Object) UDT.serialize(empty)));
    assertThat(new WKBReader().read(ewkb).isEmpty()).isTrue();
  }

  @Test
  void growsForRowsLargerThanItsBuffer() {
    String big = "x".repeat(100_000);
    byte[] value = onlyField(encode(one(DataTypes.StringType), null, 0, UTF8String.fromString(big)));
    assertThat(value).hasSize(100_000);
  }

}
