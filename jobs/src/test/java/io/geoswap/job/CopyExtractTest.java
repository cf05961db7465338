package io.geoswap.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class CopyExtractTest {
  @Test
  void partitionRangesCoverEveryValueOnceAndNullsInTheFirst() {
    List<String> q = CopyExtract.partitionQueries("SELECT id FROM t WHERE a OR b", "\"id\"", 1, 10, 3);
    assertThat(q).containsExactly(
        "SELECT * FROM (SELECT id FROM t WHERE a OR b) AS geoswap_src WHERE (\"id\" < 5 OR \"id\" IS NULL)",
        "SELECT * FROM (SELECT id FROM t WHERE a OR b) AS geoswap_src WHERE \"id\" >= 5 AND \"id\" < 9",
        "SELECT * FROM (SELECT id FROM t WHERE a OR b) AS geoswap_src WHERE \"id\" >= 9");
    assertThat(CopyExtract.partitionQueries("SELECT 1", "\"id\"", 7, 7, 4)).containsExactly("SELECT 1");
    assertThat(CopyExtract.partitionQueries("SELECT 1", null, 0, 0, 4)).containsExactly("SELECT 1");
  }

  @Test
  void onlyTypesWithABinaryDecoderAndIntegerRangesGoTheCopyWay() {
    StructType four = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.BinaryType)
        .add("c", DataTypes.StringType).add("d", DataTypes.TimestampType);
    assertThat(CopyExtract.decoders(List.of("int8", "bytea", "text", "timestamptz"), four)).isNotNull();
    StructType two = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.createDecimalType(38, 18));
    assertThat(CopyExtract.decoders(List.of("int8", "numeric"), two)).isNull();
    assertThat(CopyExtract.RANGE_TYPES).contains("int8").doesNotContain("timestamptz");
  }

  @Test
  void decodesPostgresBinaryCopyIntoTheJdbcSchemasJavaTypes() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1));
    out.writeInt(0);
    out.writeInt(0);
    // row 1: int4 7, float8 2.5, text "zoné", timestamptz 2000-01-01T00:00:01.000002Z, bytea {1,2}, int2 3
    out.writeShort(6);
    out.writeInt(4);
    out.writeInt(7);
    out.writeInt(8);
    out.writeDouble(2.5);
    byte[] text = "zoné".getBytes(StandardCharsets.UTF_8);
    out.writeInt(text.length);
    out.write(text);
    out.writeInt(8);
    out.writeLong(1_000_002L);
    out.writeInt(2);
    out.write(new byte[] {1, 2});
    out.writeInt(2);
    out.writeShort(3);
    // row 2: all NULL
    out.writeShort(6);
    for (int i = 0; i < 6; i++) out.writeInt(-1);
    out.writeShort(-1);
    StructType schema = new StructType().add("a", DataTypes.IntegerType).add("b", DataTypes.DoubleType)
        .add("c", DataTypes.StringType).add("d", DataTypes.TimestampType).add("e", DataTypes.BinaryType)
        .add("f", DataTypes.IntegerType);

    List<Row> rows = CopyExtract.decodeAll(new ByteArrayInputStream(bytes.toByteArray()), schema,
        "int4", "float8", "text", "timestamptz", "bytea", "int2");

    assertThat(rows).hasSize(2);
    Row r = rows.get(0);
    assertThat(r.getInt(0)).isEqualTo(7);
    assertThat(r.getDouble(1)).isEqualTo(2.5);
    assertThat(r.getString(2)).isEqualTo("zoné");
    assertThat(r.getTimestamp(3).toInstant()).isEqualTo(java.time.Instant.parse("2000-01-01T00:00:01.000002Z"));
    assertThat((byte[]) r.get(4)).containsExactly(1, 2);
    assertThat(r.getInt(5)).isEqualTo(3);
    assertThat(rows.get(1).anyNull()).isTrue();
    for (int i = 0; i < 6; i++) assertThat(rows.get(1).isNullAt(i)).isTrue();
  }
}
