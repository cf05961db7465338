package io.geoswap.swap;

import io.geoswap.common.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** What the swap needs to know from PostgreSQL's catalog. Reads only. */
final class Catalog {
  private Catalog() {}

  /** A column as PostgreSQL types it, e.g. {@code events bigint}, {@code geom geometry(Polygon,4326)}. */
  record Column(String name, String type) {
    @Override
    public String toString() {
      return name + " " + type;
    }
  }

  /** Columns of a table or view in order; empty if it doesn't exist. */
  static List<Column> columns(Connection c, String schema, String name) throws SQLException {
    List<Column> cols = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(?)"
            + " AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      ps.setString(1, Sql.qualified(schema, name));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) cols.add(new Column(rs.getString(1), rs.getString(2)));
      }
    }
    return cols;
  }

  static boolean exists(Connection c, String schema, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, Sql.qualified(schema, name));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** 'v' for a view, 'r' for a table, …; null if absent. */
  static String relkind(Connection c, String schema, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(?)")) {
      ps.setString(1, Sql.qualified(schema, name));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /**
   * Why {@code table}'s columns can't replace the view's: CREATE OR REPLACE VIEW keeps the existing
   * columns' names, order and types and may only append (PostgreSQL docs, "CREATE VIEW"). Empty when it can.
   */
  static List<String> driftProblems(List<Column> view, List<Column> table) {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < view.size(); i++) {
      Column v = view.get(i);
      if (i >= table.size()) {
        problems.add("column " + (i + 1) + " (" + v + ") is missing");
        continue;
      }
      Column t = table.get(i);
      if (!t.name().equals(v.name())) {
        boolean elsewhere = table.stream().anyMatch(x -> x.name().equals(v.name()));
        problems.add("column " + (i + 1) + " was " + v + ", now " + t
            + (elsewhere ? " (" + v.name() + " moved: columns were reordered)" : " (" + v.name() + " was dropped or renamed)"));
      } else if (!t.type().equals(v.type())) {
        problems.add("column " + v.name() + " changed type from " + v.type() + " to " + t.type());
      }
    }
    return problems;
  }

  /** Objects that depend on a table (views, foreign keys …), for messages. */
  static List<String> dependents(Connection c, String schema, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT DISTINCT coalesce(v.oid::regclass::text, pg_describe_object(d.classid, d.objid, d.objsubid))"
            + " FROM pg_depend d LEFT JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass"
            + " LEFT JOIN pg_class v ON v.oid = r.ev_class"
            + " WHERE d.refobjid = to_regclass(?) AND d.deptype = 'n' AND coalesce(v.oid, 0) <> d.refobjid")) {
      ps.setString(1, Sql.qualified(schema, table));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
    }
    return out;
  }
}
