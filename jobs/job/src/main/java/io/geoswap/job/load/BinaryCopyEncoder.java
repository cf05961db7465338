package io.geoswap.job.load;

import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.postgresql.util.ByteConverter;

/**
 * Encodes Spark's internal rows in PostgreSQL's COPY binary format (PostgreSQL docs, "COPY" → "Binary
 * Format"): per tuple an int16 field count, per field an int32 length (-1 = NULL) and the value in its
 * type's binary send form. Each Spark type goes to the column type {@link PgTypes} gives it, so the
 * receive functions read exactly these forms. The spec's geometry column gets the spec's SRID (aggregates
 * such as ST_Union_Aggr drop SRIDs); other geometry columns keep their own.
 */
public final class BinaryCopyEncoder implements Serializable {
  /** Signature, flags (no OIDs), header extension length 0. */
  static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
  /** Microseconds from 1970-01-01 (Spark's epoch) to 2000-01-01 (PostgreSQL's). */
  static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
  /** Days from 1970-01-01 to 2000-01-01. */
  static final int PG_EPOCH_DAYS = 10_957;

  /** Writes one non-NULL value of column {@code i}, its length first. */
  @FunctionalInterface
  private interface Field extends Serializable {
    void write(InternalRow row, int i, CopyBuffer out);
  }

  private final Field[] fields;

  /**
   * @param geometryColumn name of the spec's geometry column, whose values get {@code srid}; other
   *     geometry columns keep their own SRID
   * @throws IllegalArgumentException for a type {@link PgTypes} doesn't map either
   */
  public BinaryCopyEncoder(StructType schema, String geometryColumn, int srid) {
    StructField[] f = schema.fields();
    fields = new Field[f.length];
    for (int i = 0; i < f.length; i++) {
      fields[i] = field(f[i].dataType(), f[i].name().equals(geometryColumn) ? srid : -1);
      if (fields[i] == null) {
        throw new IllegalArgumentException("no COPY binary form for column " + f[i].name() + " of type "
            + f[i].dataType().simpleString());
      }
    }
  }

  private static Field field(DataType t, int srid) {
    if (t instanceof GeometryUDT) return (row, i, out) -> SedonaEwkb.writeField(row.getBinary(i), srid, out);
    if (t instanceof IntegerType) return (row, i, out) -> { out.putInt(4); out.putInt(row.getInt(i)); };
    if (t instanceof LongType) return (row, i, out) -> { out.putInt(8); out.putLong(row.getLong(i)); };
    if (t instanceof ShortType) return (row, i, out) -> { out.putInt(2); out.putShort(row.getShort(i)); };
    if (t instanceof ByteType) return (row, i, out) -> { out.putInt(2); out.putShort(row.getByte(i)); };
    // float8send/float4send: the IEEE 754 bits, so NaN, ±Infinity and -0 arrive as they are.
    if (t instanceof DoubleType) return (row, i, out) -> { out.putInt(8); out.putLong(Double.doubleToRawLongBits(row.getDouble(i))); };
    if (t instanceof FloatType) return (row, i, out) -> { out.putInt(4); out.putInt(Float.floatToRawIntBits(row.getFloat(i))); };
    if (t instanceof BooleanType) return (row, i, out) -> { out.putInt(1); out.putByte(row.getBoolean(i) ? 1 : 0); };
    if (t instanceof DateType) return (row, i, out) -> { out.putInt(4); out.putInt(row.getInt(i) - PG_EPOCH_DAYS); };
    // Spark holds both as microseconds since 1970 (UTC for timestamptz, the wall clock for timestamp).
    if (t instanceof TimestampType || t instanceof TimestampNTZType) {
      return (row, i, out) -> { out.putInt(8); out.putLong(row.getLong(i) - PG_EPOCH_MICROS); };
    }
    if (t instanceof StringType) return BinaryCopyEncoder::utf8;
    if (t instanceof BinaryType) return (row, i, out) -> bytes(row.getBinary(i), out);
    if (t instanceof DecimalType d) {
      int precision = d.precision();
      int scale = d.scale();
      // numeric_send's form (base-10000 digits, weight, sign, display scale), as pgjdbc builds it for its
      // own binary parameters.
      return (row, i, out) -> bytes(ByteConverter.numeric(row.getDecimal(i, precision, scale).toJavaBigDecimal()), out);
    }
    return null;
  }

  /** text_recv takes the client encoding's bytes (UTF8 here): Spark's UTF8String bytes as they are. */
  private static void utf8(InternalRow row, int i, CopyBuffer out) {
    UTF8String s = row.getUTF8String(i);
    int n = s.numBytes();
    out.putInt(n);
    int at = out.reserve(n);
    s.writeToMemory(out.array(), Platform.BYTE_ARRAY_OFFSET + at);
  }

  private static void bytes(byte[] b, CopyBuffer out) {
    out.putInt(b.length);
    out.putBytes(b, 0, b.length);
  }

  /** Appends one tuple. */
  void encode(InternalRow row, CopyBuffer out) {
    out.putShort(fields.length);
    for (int i = 0; i < fields.length; i++) {
      if (row.isNullAt(i)) {
        out.putInt(-1);
      } else {
        fields[i].write(row, i, out);
      }
    }
  }

  static void header(CopyBuffer out) {
    out.putBytes(HEADER, 0, HEADER.length);
  }

  /** The file trailer: a field count of -1. */
  static void trailer(CopyBuffer out) {
    out.putShort(-1);
  }
}
