package io.geoswap.swap.compare;

import io.geoswap.common.Sql;
import io.geoswap.swap.compare.RelationComparison.Relation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shapes of what moved between two versions, for the report's map: for up to {@link #MAX_SHAPES} keys
 * whose geometry changed, the old and the new outline as SVG path data (PostGIS's ST_AsSVG, whose y axis
 * points down as SVG's does), and the keys added or removed, with their extent. Read in PostgreSQL, a few
 * hundred shapes at most, so the page stays small whatever the table's size.
 */
public record ChangeMap(List<Shape> shapes, double xmin, double ymin, double xmax, double ymax) {
  public static final int MAX_SHAPES = 200;
  /** Coordinates kept in the SVG: enough for a map at screen size. */
  private static final int DIGITS = 6;

  public ChangeMap {
    shapes = List.copyOf(shapes);
  }

  /** How a key changed. */
  public enum Change {
    CHANGED_OLD, CHANGED_NEW, ADDED, REMOVED
  }

  /** One outline: SVG path data, or circle attributes for a point ({@code cx="…" cy="…"}). */
  public record Shape(String key, Change change, String svg) {
    public boolean point() {
      return svg.startsWith("cx=");
    }
  }

  public boolean isEmpty() {
    return shapes.isEmpty();
  }

  /**
   * {@code 'zone_id=' || alias.zone_id::text || ',' || …}: a row's key as the reports name it. Key names are
   * identifiers {@link Sql#ident} accepted, so they are safe inside the string literals.
   */
  private static String keyLabel(List<String> key, String alias) {
    return key.stream().map(k -> "'" + k + "=' || " + alias + "." + Sql.ident(k) + "::text")
        .collect(Collectors.joining(" || ',' || "));
  }

  /**
   * Reads the map of {@code newer} against {@code older} by {@code key} for {@code geometry} (a column of
   * both), geometries compared as {@link RelationComparison} does with {@code tolerance}.
   */
  public static ChangeMap read(Connection c, Relation newer, Relation older, List<String> key, String geometry,
      double tolerance) throws SQLException {
    String g = Sql.ident(geometry);
    // l: the newer version, r: the older one, as RelationComparison names the two sides
    RelationComparison.Compared col = new RelationComparison.Compared(geometry, ColumnKind.GEOMETRY, tolerance, false);
    String on = key.stream().map(k -> "n." + Sql.ident(k) + " = o." + Sql.ident(k)).collect(Collectors.joining(" AND "));
    String lr = key.stream().map(k -> "l." + Sql.ident(k) + " = r." + Sql.ident(k)).collect(Collectors.joining(" AND "));
    String sql = "WITH changed AS (SELECT l.*, r." + g + " AS old_geom FROM " + newer.sql() + " l JOIN " + older.sql()
        + " r ON " + lr + " WHERE " + col.differs() + " LIMIT " + MAX_SHAPES + "),"
        + " added AS (SELECT n.* FROM " + newer.sql() + " n WHERE NOT EXISTS (SELECT 1 FROM " + older.sql() + " o WHERE "
        + on + ") LIMIT " + MAX_SHAPES + "),"
        + " removed AS (SELECT o.* FROM " + older.sql() + " o WHERE NOT EXISTS (SELECT 1 FROM " + newer.sql() + " n WHERE "
        + on + ") LIMIT " + MAX_SHAPES + "),"
        + " shapes AS (SELECT " + keyLabel(key, "changed") + " AS k, 'CHANGED_OLD' AS change, old_geom AS geom FROM changed"
        + " UNION ALL SELECT " + keyLabel(key, "changed") + ", 'CHANGED_NEW', changed." + g + " FROM changed"
        + " UNION ALL SELECT " + keyLabel(key, "added") + ", 'ADDED', added." + g + " FROM added"
        + " UNION ALL SELECT " + keyLabel(key, "removed") + ", 'REMOVED', removed." + g + " FROM removed)"
        + " SELECT k, change, ST_AsSVG(geom, 0, " + DIGITS + "), ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
        + " FROM shapes, (SELECT ST_Extent(geom)::box2d AS e FROM shapes) ext WHERE geom IS NOT NULL";
    List<Shape> shapes = new ArrayList<>();
    double[] box = {0, 0, 1, 1};
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setDouble(1, tolerance);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          shapes.add(new Shape(rs.getString(1), Change.valueOf(rs.getString(2)), rs.getString(3)));
          box = new double[] {rs.getDouble(4), rs.getDouble(5), rs.getDouble(6), rs.getDouble(7)};
        }
      }
    }
    return new ChangeMap(shapes, box[0], box[1], box[2], box[3]);
  }
}
