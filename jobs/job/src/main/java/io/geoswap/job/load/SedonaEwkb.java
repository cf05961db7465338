package io.geoswap.job.load;

import java.nio.ByteOrder;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.ByteOrderValues;
import org.locationtech.jts.io.WKBWriter;

/**
 * Writes a geometry column's value as a COPY binary field: its length, then its EWKB (little-endian, the
 * SRID included), which PostGIS's {@code geometry_recv} reads as it is. The value is Sedona's serialized
 * form, GeometryUDT's internal value.
 *
 * <p>Points — a whole column of them in the large results — are rewritten from Sedona's bytes directly.
 * Sedona's layout (sedona-common {@code GeometrySerializer}, 1.8.0): byte 0 = WKB type &lt;&lt; 4 |
 * coordinate type &lt;&lt; 1 | has-SRID; bytes 1–3 the SRID, big-endian; bytes 4–7 the number of
 * coordinates; from byte 8 the coordinates as doubles in the platform's order (its unsafe buffer; its
 * ByteBuffer fallback writes little-endian). Everything else goes through JTS.
 */
final class SedonaEwkb {
  /** Sedona's coordinate types (sedona-common {@code CoordinateType}). */
  private static final int XY = 1;
  private static final int XYZ = 2;
  /** EWKB type flags (PostGIS liblwgeom, {@code WKBZOFFSET}, {@code WKBSRIDFLAG}). */
  private static final int EWKB_Z = 0x80000000;
  private static final int EWKB_SRID = 0x20000000;
  private static final int WKB_POINT = 1;
  private static final boolean LITTLE_ENDIAN_PLATFORM = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  private static final GeometryUDT UDT = new GeometryUDT();

  private SedonaEwkb() {}

  /**
   * @param srid the SRID to write, or a negative number to keep the geometry's own
   */
  static void writeField(byte[] sedona, int srid, CopyBuffer out) {
    int own = sedona.length >= 4 && (sedona[0] & 1) != 0
        ? (sedona[1] & 0xFF) << 16 | (sedona[2] & 0xFF) << 8 | (sedona[3] & 0xFF) : 0;
    int target = srid < 0 ? own : srid;
    if (!writePoint(sedona, target, out)) {
      byte[] ewkb = viaJts(sedona, target);
      out.putInt(ewkb.length);
      out.putBytes(ewkb, 0, ewkb.length);
    }
  }

  /** A non-empty XY or XYZ point straight from Sedona's bytes; false for anything else. */
  private static boolean writePoint(byte[] s, int srid, CopyBuffer out) {
    if (!LITTLE_ENDIAN_PLATFORM || s.length < 8) return false;
    int type = (s[0] & 0xFF) >> 4;
    int coordinates = (s[0] & 0x0F) >> 1;
    int ordinates = coordinates == XY ? 2 : coordinates == XYZ ? 3 : 0;
    if (type != WKB_POINT || ordinates == 0 || s.length != 8 + 8 * ordinates
        || s[4] != 1 || s[5] != 0 || s[6] != 0 || s[7] != 0) {
      return false;
    }
    int length = 1 + 4 + (srid != 0 ? 4 : 0) + 8 * ordinates;
    out.putInt(length);
    out.putByte(1); // NDR: little-endian
    out.putIntLe(WKB_POINT | (ordinates == 3 ? EWKB_Z : 0) | (srid != 0 ? EWKB_SRID : 0));
    if (srid != 0) out.putIntLe(srid);
    out.putBytes(s, 8, 8 * ordinates);
    return true;
  }

  /** EWKB through JTS: Sedona's deserializer, then WKBWriter with Z when the geometry has it. */
  static byte[] viaJts(byte[] sedona, int srid) {
    Geometry g = UDT.deserialize(sedona);
    boolean hasZ = !g.isEmpty() && !Double.isNaN(g.getCoordinate().getZ());
    g.setSRID(srid);
    return new WKBWriter(hasZ ? 3 : 2, ByteOrderValues.LITTLE_ENDIAN, srid != 0).write(g);
  }
}
