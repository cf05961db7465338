package io.geoswap.job.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

class CopyExtractTest {
  /** A whole binary COPY stream, decoded. */
  private static List<Object[]> decodeAll(CopyExtract.Chunks chunks, List<DataType> types, String... pgTypes)
      throws IOException {
    List<Object[]> rows = new ArrayList<>();
    new CopyExtract.Rows(new CopyExtract.Cursor(chunks), CopyExtract.decoders(List.of(pgTypes), types), null)
        .forEachRemaining(rows::add);
    return rows;
  }

  @Test
  void partitionRangesCoverEveryValueOnceAndNullsInTheFirst() {
    assertThat(CopyExtract.ranges("\"id\"", 1, 10, 3)).containsExactly(
        "(\"id\" < 5 OR \"id\" IS NULL)", "\"id\" >= 5 AND \"id\" < 9", "\"id\" >= 9");
    assertThat(CopyExtract.ranges("\"id\"", 7, 7, 4)).containsExactly("TRUE");
    assertThat(CopyExtract.ranges(null, 0, 0, 4)).containsExactly("TRUE");
  }

  @Test
  void onlyTypesWithABinaryDecoderAndIntegerRangesGoTheCopyWay() {
    List<DataType> five = List.of(DataTypes.LongType, DataTypes.BinaryType, DataTypes.StringType,
        DataTypes.TimestampType, DataTypes.BinaryType);
    assertThat(CopyExtract.decoders(List.of("int8", "bytea", "text", "timestamptz", "geometry"), five)).isNotNull();
    List<DataType> two = List.of(DataTypes.LongType, DataTypes.createDecimalType(38, 18));
    assertThat(CopyExtract.decoders(List.of("int8", "numeric"), two)).isNull();
    assertThat(CopyExtract.RANGE_TYPES).contains("int8").doesNotContain("timestamptz");
  }

  @Test
  void decodesPostgresBinaryCopyIntoSparksInternalValuesOfTheJdbcSchemasTypes() throws IOException {
    byte[] stream = sampleStream();
    // One chunk, and one chunk per byte: values that straddle chunks decode the same.
    assertDecoded(decodeAll(chunks(stream, stream.length), TYPES, PG_TYPES));
    assertDecoded(decodeAll(chunks(stream, 1), TYPES, PG_TYPES));
    assertDecoded(decodeAll(chunks(stream, 7), TYPES, PG_TYPES));
  }

  @Test
  void aStreamCutShortIsAnErrorNotAShortRead() throws IOException {
    byte[] stream = sampleStream();
    byte[] cut = java.util.Arrays.copyOf(stream, stream.length - 5);
    assertThatThrownBy(() -> decodeAll(chunks(cut, 16), TYPES, PG_TYPES))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ended without its trailer");
  }

  private static final List<DataType> TYPES = List.of(DataTypes.IntegerType, DataTypes.DoubleType,
      DataTypes.StringType, DataTypes.TimestampType, DataTypes.BinaryType, DataTypes.IntegerType);
  private static final String[] PG_TYPES = {"int4", "float8", "text", "timestamptz", "bytea", "int2"};

  /** The stream in chunks of {@code size} bytes. */
  private static CopyExtract.Chunks chunks(byte[] stream, int size) {
    int[] at = {0};
    return () -> {
      if (at[0] >= stream.length) return null;
      byte[] c = java.util.Arrays.copyOfRange(stream, at[0], Math.min(stream.length, at[0] + size));
      at[0] += c.length;
      return c;
    };
  }

  private static byte[] sampleStream() throws IOException {
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
    return bytes.toByteArray();
  }

  private static void assertDecoded(List<Object[]> rows) {
    assertThat(rows).hasSize(2);
    Object[] r = rows.get(0);
    assertThat(r[0]).isEqualTo(7);
    assertThat(r[1]).isEqualTo(2.5);
    assertThat(r[2]).isEqualTo(UTF8String.fromString("zoné"));
    // Spark's TimestampType holds microseconds since 1970-01-01 UTC
    assertThat(r[3]).isEqualTo(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2000-01-01T00:00:01.000002Z")));
    assertThat((byte[]) r[4]).containsExactly(1, 2);
    assertThat(r[5]).isEqualTo(3);
    assertThat(rows.get(1)).containsOnlyNulls();
  }
}
