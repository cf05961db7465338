package io.geoswap.job.extract;

import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
import org.postgresql.copy.CopyOut;

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
    Object read(Cursor in, int len) throws IOException;
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
      case "float4" -> floating ? (in, len) -> floating(Float.intBitsToFloat(in.readInt()), spark) : null;
      case "float8" -> floating ? (in, len) -> floating(Double.longBitsToDouble(in.readLong()), spark) : null;
      case "bool" -> spark.equals(DataTypes.BooleanType) ? (in, len) -> in.readBytes(1)[0] != 0 : null;
      case "timestamptz" -> spark.equals(DataTypes.TimestampType) ? (in, len) -> in.readLong() + PG_EPOCH_MICROS : null;
      case "bytea", "geometry" -> spark.equals(DataTypes.BinaryType) ? (in, len) -> in.readBytes(len) : null;
      case "text", "varchar", "bpchar" -> spark.equals(DataTypes.StringType)
          ? (in, len) -> UTF8String.fromBytes(in.readBytes(len)) : null;
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

  /**
   * Every extract session reads only: COPY goes out as a simple-protocol query, so were a second statement
   * ever to slip into its text (the spec's `where` is in it; SpecSql keeps it one expression), it could
   * still not write (PostgreSQL docs, "SET TRANSACTION": default_transaction_read_only).
   */
  static final String READ_ONLY_SESSION = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";

  /** Runs one COPY on an executor and decodes its rows as they stream in; closes when read or the task ends. */
  static Iterator<Object[]> stream(DbSettings db, String copy, Decoder[] decoders) throws SQLException, IOException {
    Connection c = Db.connect(db.withApplicationName("geoswap-extract"));
    try (java.sql.Statement st = c.createStatement()) {
      st.execute(READ_ONLY_SESSION);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    TaskContext task = TaskContext.get();
    Runnable close = () -> {
      try {
        c.close();
      } catch (SQLException e) {
        // the rows are read; nothing to do
      }
    };
    if (task != null) task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) t -> close.run());
    try {
      CopyOut out = c.unwrap(PGConnection.class).getCopyAPI().copyOut(copy);
      // PostgreSQL sends a row per CopyData message; readFromCopy hands each over as its own array, which
      // the cursor reads in place (no stream copies, no per-byte reads).
      return new Rows(new Cursor(() -> {
        try {
          return out.readFromCopy();
        } catch (SQLException e) {
          throw new IOException(e.getMessage(), e);
        }
      }), decoders, close);
    } catch (SQLException | IOException | RuntimeException e) {
      close.run();
      throw e;
    }
  }

  /** Where a cursor gets its next chunk of the stream (null at its end). */
  @FunctionalInterface
  interface Chunks {
    byte[] next() throws IOException;
  }

  /**
   * Big-endian reads over a stream that comes in chunks: in place within a chunk, assembled across chunk
   * boundaries (which need not fall between values).
   */
  static final class Cursor {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private final Chunks chunks;
    private byte[] buf = new byte[0];
    private int pos;

    Cursor(Chunks chunks) {
      this.chunks = chunks;
    }

    /** Makes {@code n} bytes readable at {@code pos}, or throws EOFException. */
    private void need(int n) throws IOException {
      if (buf.length - pos >= n) return;
      // The usual case, a chunk read to its end: the next one becomes the buffer as it is.
      while (buf.length == pos) {
        byte[] next = chunks.next();
        if (next == null) throw new EOFException();
        buf = next;
        pos = 0;
        if (buf.length >= n) return;
      }
      byte[] joined = java.util.Arrays.copyOfRange(buf, pos, pos + Math.max(n, buf.length - pos));
      int have = buf.length - pos;
      while (have < n) {
        byte[] next = chunks.next();
        if (next == null) throw new EOFException();
        if (joined.length < have + next.length) joined = java.util.Arrays.copyOf(joined, have + next.length);
        System.arraycopy(next, 0, joined, have, next.length);
        have += next.length;
      }
      buf = have == joined.length ? joined : java.util.Arrays.copyOf(joined, have);
      pos = 0;
    }

    short readShort() throws IOException {
      need(2);
      short v = (short) SHORT.get(buf, pos);
      pos += 2;
      return v;
    }

    int readInt() throws IOException {
      need(4);
      int v = (int) INT.get(buf, pos);
      pos += 4;
      return v;
    }

    long readLong() throws IOException {
      need(8);
      long v = (long) LONG.get(buf, pos);
      pos += 8;
      return v;
    }

    byte[] readBytes(int n) throws IOException {
      need(n);
      byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    void skip(int n) throws IOException {
      need(n);
      pos += n;
    }
  }

  /** Decodes tuples of PostgreSQL's binary COPY format, a column's decoder per field. */
  static final class Rows implements Iterator<Object[]> {
    private final Cursor in;
    private final Decoder[] decoders;
    private final Runnable onEnd;
    private Object[] next;
    private boolean done;

    Rows(Cursor in, Decoder[] decoders, Runnable onEnd) throws IOException {
      this.in = in;
      this.decoders = decoders;
      this.onEnd = onEnd;
      if (!java.util.Arrays.equals(in.readBytes(SIGNATURE.length), SIGNATURE)) {
        throw new IOException("not a binary COPY stream");
      }
      in.readInt(); // flags: bit 16 (OIDs) is never set by COPY TO of a query
      in.skip(in.readInt()); // header extension
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
}
