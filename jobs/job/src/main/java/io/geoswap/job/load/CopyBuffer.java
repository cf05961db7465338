package io.geoswap.job.load;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A growable byte buffer for COPY's binary format, whose integers and floats are in network byte order
 * (PostgreSQL docs, "COPY" → "Binary Format"). Reused for a whole partition: {@link #clear()} after each
 * flush.
 */
final class CopyBuffer {
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private byte[] buf;
  private int pos;

  CopyBuffer(int capacity) {
    buf = new byte[Math.max(64, capacity)];
  }

  byte[] array() {
    return buf;
  }

  int length() {
    return pos;
  }

  void clear() {
    pos = 0;
  }

  /** Makes room for {@code n} more bytes and returns the offset they start at (the caller fills them). */
  int reserve(int n) {
    int at = pos;
    ensure(n);
    pos += n;
    return at;
  }

  void putByte(int v) {
    ensure(1);
    buf[pos++] = (byte) v;
  }

  void putShort(int v) {
    ensure(2);
    SHORT.set(buf, pos, (short) v);
    pos += 2;
  }

  void putInt(int v) {
    ensure(4);
    INT.set(buf, pos, v);
    pos += 4;
  }

  /** An int in little-endian order (EWKB written as NDR). */
  void putIntLe(int v) {
    ensure(4);
    INT_LE.set(buf, pos, v);
    pos += 4;
  }

  void putLong(long v) {
    ensure(8);
    LONG.set(buf, pos, v);
    pos += 8;
  }

  void putBytes(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, pos, len);
    pos += len;
  }

  private void ensure(int n) {
    if (buf.length - pos < n) {
      long want = Math.max((long) buf.length * 2, (long) pos + n);
      if (want > Integer.MAX_VALUE - 16) throw new IllegalStateException("COPY row larger than 2 GB");
      buf = Arrays.copyOf(buf, (int) want);
    }
  }
}
