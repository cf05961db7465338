package io.geoswap.job.load;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.WKBWriter;

/**
 * Encodes rows in PostgreSQL's COPY text format (PostgreSQL docs, "COPY" → "Text Format"): tab-separated,
 * {@code \N} for NULL, backslash escapes. Geometries go as hex EWKB, which PostGIS's geometry input
 * accepts, with the spec's SRID stamped on (aggregates such as ST_Union_Aggr drop SRIDs).
 */
public final class CopyEncoder implements Serializable {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  private final int[] kinds;
  private final int geometryColumn;
  private final int srid;

  private static final int OTHER = 0;
  private static final int STRING = 1;
  private static final int GEOMETRY = 2;
  private static final int BINARY = 3;

  /**
   * @param geometryColumn name of the spec's geometry column, whose values get {@code srid}; other
   *     geometry columns keep their own SRID
   */
  public CopyEncoder(StructType schema, String geometryColumn, int srid) {
    StructField[] fields = schema.fields();
    this.kinds = new int[fields.length];
    int geom = -1;
    for (int i = 0; i < fields.length; i++) {
      var t = fields[i].dataType();
      kinds[i] = t instanceof GeometryUDT ? GEOMETRY
          : t instanceof org.apache.spark.sql.types.StringType ? STRING
          : t instanceof org.apache.spark.sql.types.BinaryType ? BINARY
          : OTHER;
      if (fields[i].name().equals(geometryColumn)) geom = i;
    }
    this.geometryColumn = geom;
    this.srid = srid;
  }

  /** Appends {@code row} and its line feed to {@code out}. */
  public void encode(Row row, StringBuilder out) {
    for (int i = 0; i < kinds.length; i++) {
      if (i > 0) out.append('\t');
      Object v = row.get(i);
      if (v == null) {
        out.append("\\N");
        continue;
      }
      switch (kinds[i]) {
        case STRING -> escape(v.toString(), out);
        case GEOMETRY -> hexEwkb((Geometry) v, i == geometryColumn ? srid : ((Geometry) v).getSRID(), out);
        case BINARY -> {
          out.append("\\\\x"); // bytea hex input, its backslash escaped for COPY
          for (byte b : (byte[]) v) out.append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
        default -> scalar(v, out);
      }
    }
    out.append('\n');
  }

  private static void scalar(Object v, StringBuilder out) {
    if (v instanceof Boolean b) {
      out.append(b ? 't' : 'f');
    } else if (v instanceof BigDecimal d) {
      out.append(d.toPlainString());
    } else if (v instanceof java.sql.Timestamp ts) {
      out.append(ts.toInstant()); // ISO-8601 in UTC: unambiguous for timestamptz
    } else if (v instanceof java.sql.Date d) {
      out.append(d.toLocalDate());
    } else if (v instanceof Instant || v instanceof LocalDate || v instanceof LocalDateTime) {
      out.append(v);
    } else {
      // Integers, and doubles as Java prints them ("1.0E10", "NaN", "Infinity"): float8in reads them all.
      out.append(v);
    }
  }

  static void escape(String s, StringBuilder out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append(c);
      }
    }
  }

  private static void hexEwkb(Geometry g, int srid, StringBuilder out) {
    boolean hasZ = false;
    if (!g.isEmpty()) {
      double z = g.getCoordinate().getZ();
      hasZ = !Double.isNaN(z);
    }
    g.setSRID(srid);
    byte[] wkb = new WKBWriter(hasZ ? 3 : 2, srid != 0).write(g);
    for (byte b : wkb) out.append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
  }
}
