package io.geoswap.job.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKBWriter;

class CopyEncoderTest {
  private static final GeometryFactory GF = new GeometryFactory();

  private static StructType schema() {
    return new StructType()
        .add("id", DataTypes.LongType)
        .add("name", DataTypes.StringType)
        .add("value", DataTypes.DoubleType)
        .add("ok", DataTypes.BooleanType)
        .add("amount", DataTypes.createDecimalType(10, 2))
        .add("ts", DataTypes.TimestampType)
        .add("raw", DataTypes.BinaryType)
        .add("geom", new GeometryUDT());
  }

  private static String encode(Row row) {
    StringBuilder out = new StringBuilder();
    new CopyEncoder(schema(), "geom", 4326).encode(row, out);
    return out.toString();
  }

  @Test
  void escapesTextSoTabsNewlinesAndBackslashesSurvive() {
    String line = encode(RowFactory.create(1L, "a\tb\nc\\d\re", null, null, null, null, null, null));
    assertThat(line).isEqualTo("1\ta\\tb\\nc\\\\d\\re\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n");
  }

  @Test
  void writesScalarsInFormsPostgresParses() {
    String line = encode(RowFactory.create(7L, "x", 1.0E10, true, new BigDecimal("12.50"),
        Timestamp.from(Instant.parse("2026-11-24T03:00:00Z")), new byte[] {0x0a, (byte) 0xff}, null));
    assertThat(line.split("\t", -1)).containsExactly("7", "x", "1.0E10", "t", "12.50", "2026-11-24T03:00:00Z",
        "\\\\x0AFF", "\\N\n");
  }

  @Test
  void stampsTheSpecsSridOnGeometriesThatLostIt() throws Exception {
    var point = GF.createPoint(new Coordinate(10.5, 50.25)); // SRID 0, as after ST_Union_Aggr
    String line = encode(RowFactory.create(1L, null, null, null, null, null, null, point));
    String hex = line.substring(line.lastIndexOf('\t') + 1).trim();
    var back = new WKBReader().read(WKBReader.hexToBytes(hex));
    assertThat(back.getSRID()).isEqualTo(4326);
    assertThat(back.getCoordinate().x).isEqualTo(10.5);
    assertThat(WKBWriter.toHex(new WKBWriter(2, true).write(back))).isEqualTo(hex);
  }
}
