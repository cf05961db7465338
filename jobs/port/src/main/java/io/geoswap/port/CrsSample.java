package io.geoswap.port;

import io.geoswap.common.Sql;
import io.geoswap.port.MatviewCatalog.Column;
import io.geoswap.port.MatviewCatalog.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.sedona.common.FunctionsGeoTools;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;

/**
 * How much GeoTools (Sedona's ST_Transform) and PROJ (PostGIS's) differ for one transform, measured on the
 * view's own data: a sample of the source tables' points (every geometry column in the transform's source
 * SRID) is projected by PostGIS in the database and by Sedona's transform function in this JVM. It reports
 * the largest distance between the two results of one point (in the target CRS's units) and the largest
 * relative difference of the distance between successive sample points: a length scales by that, an area
 * by about twice it.
 */
final class CrsSample {
  private CrsSample() {}

  /** What a sample showed: how many points, where from, and the two largest differences. */
  record Measured(int points, List<String> columns, double maxShift, double maxRelative) {
    /** The relative tolerance a column computed through the transform needs (power: 2 area, 1 length). */
    double tolerance(int power) {
      // Ten times what the sample saw (the sample is not every point), one significant digit, never under
      // verify's default.
      double t = 10 * Math.max(1, power) * maxRelative;
      if (t <= 0) return 0;
      double up = new java.math.BigDecimal(t).round(new java.math.MathContext(1, java.math.RoundingMode.UP)).doubleValue();
      return Math.max(1e-9, up);
    }
  }

  /** Points per geometry column (rows × their vertices, at most this many points are compared). */
  static final int POINTS_PER_COLUMN = 400;

  static Measured measure(Connection c, List<Table> tables, int from, int to) throws SQLException {
    List<double[]> pairs = new ArrayList<>(); // x, y as PostGIS projected it; x, y as GeoTools did
    List<String> columns = new ArrayList<>();
    GeometryFactory gf = new GeometryFactory();
    for (Table t : tables) {
      for (Column col : t.columns()) {
        if (!col.isGeometry() || col.srid() != from) continue;
        columns.add(t.schema() + "." + t.name() + "." + col.name());
        // A repeatable Bernoulli sample of about POINTS_PER_COLUMN rows (pg_class's estimate), their vertices.
        String sql = "WITH est AS (SELECT greatest(reltuples, 1) AS n FROM pg_class WHERE oid = ?::regclass),"
            + " pts AS (SELECT (ST_DumpPoints(s.g)).geom AS p FROM (SELECT " + Sql.ident(col.name()) + " AS g FROM "
            + Sql.qualified(t.schema(), t.name()) + " TABLESAMPLE BERNOULLI ((SELECT least(100, 100.0 * ? / n) FROM est))"
            + " REPEATABLE (13)) s LIMIT ?)"
            + " SELECT ST_X(p), ST_Y(p), ST_X(q), ST_Y(q) FROM (SELECT p, ST_Transform(p, ?) AS q FROM pts) x";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.setString(1, Sql.qualified(t.schema(), t.name()));
          ps.setInt(2, POINTS_PER_COLUMN);
          ps.setInt(3, POINTS_PER_COLUMN);
          ps.setInt(4, to);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Geometry g = transform(gf.createPoint(new Coordinate(rs.getDouble(1), rs.getDouble(2))), from, to);
              pairs.add(new double[] {rs.getDouble(3), rs.getDouble(4), g.getCoordinate().x, g.getCoordinate().y});
            }
          }
        }
      }
    }
    double shift = 0;
    double relative = 0;
    for (int i = 0; i < pairs.size(); i++) {
      double[] a = pairs.get(i);
      shift = Math.max(shift, Math.hypot(a[0] - a[2], a[1] - a[3]));
      // Paired with the point half the sample away: far apart, so the points' own rounding doesn't dominate.
      double[] b = pairs.get((i + pairs.size() / 2) % pairs.size());
      double proj = Math.hypot(a[0] - b[0], a[1] - b[1]);
      double geotools = Math.hypot(a[2] - b[2], a[3] - b[3]);
      if (proj > 0) relative = Math.max(relative, Math.abs(geotools - proj) / proj);
    }
    return new Measured(pairs.size(), columns, shift, relative);
  }

  /** Sedona's own transform (what ST_Transform(g, 'EPSG:from', 'EPSG:to') runs), lon/lat order as Sedona reads it. */
  static Geometry transform(Geometry g, int from, int to) {
    try {
      return FunctionsGeoTools.transform(g, "EPSG:" + from, "EPSG:" + to);
    } catch (Exception e) {
      throw new IllegalStateException("GeoTools can't transform EPSG:" + from + " → EPSG:" + to + ": " + e.getMessage(), e);
    }
  }
}
