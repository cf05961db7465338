package io.geoswap.common.db;

import io.geoswap.common.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What geoswap reads from PostgreSQL's catalog about a table or view, for the job (a source's columns and
 * key, who reads a version table) and the swap-task (a view's columns, what depends on a version). Reads
 * only; relations are named by schema and name, quoted here ({@link Sql#qualified}).
 */
public final class Catalog {
  private Catalog() {}

  /**
   * A column as PostgreSQL types it.
   *
   * @param type as PostgreSQL prints it, modifiers included: {@code bigint}, {@code geometry(Polygon,4326)}
   * @param typname the type's own name in pg_type, which binary formats are keyed by: {@code int8},
   *     {@code geometry}
   */
  public record Column(String name, String type, String typname) {
    @Override
    public String toString() {
      return name + " " + type;
    }
  }

  /** Columns of a table or view in order; empty if it doesn't exist. */
  public static List<Column> columns(Connection c, String schema, String name) throws SQLException {
    List<Column> cols = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname FROM pg_attribute a"
            + " JOIN pg_type t ON t.oid = a.atttypid"
            + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      ps.setString(1, Sql.qualified(schema, name));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) cols.add(new Column(rs.getString(1), rs.getString(2), rs.getString(3)));
      }
    }
    return cols;
  }

  /**
   * The columns that name a row: the primary key's, in index order, else those of the narrowest unique
   * index on plain NOT NULL columns (no expression, no predicate); empty when there is neither.
   */
  public static List<String> rowKey(Connection c, String schema, String name) throws SQLException {
    return strings(c, "SELECT unnest(cols) FROM (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) AS cols,"
            + " bool_and(a.attnotnull) AS not_null, i.indisprimary, count(*) AS n FROM pg_index i"
            + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            + " WHERE i.indrelid = to_regclass(?) AND (i.indisprimary OR (i.indisunique AND i.indpred IS NULL"
            + " AND i.indexprs IS NULL)) GROUP BY i.indexrelid, i.indisprimary) k"
            + " WHERE indisprimary OR not_null ORDER BY indisprimary DESC, n LIMIT 1", schema, name);
  }

  public static boolean exists(Connection c, String schema, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, Sql.qualified(schema, name));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** 'v' for a view, 'r' for a table, …; null if absent. */
  public static String relkind(Connection c, String schema, String name) throws SQLException {
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
  public static List<String> driftProblems(List<Column> view, List<Column> table) {
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
  public static List<String> dependents(Connection c, String schema, String table) throws SQLException {
    return dependents(c, schema, table, false);
  }

  /**
   * The views (and other relations whose rewrite rules read it, materialized views among them) that read a
   * table: a version table a view reads is, or was, live.
   */
  public static List<String> readingViews(Connection c, String schema, String table) throws SQLException {
    return dependents(c, schema, table, true);
  }

  /**
   * A view reads a table through its rewrite rule, which depends on the table normally ('n'); so do
   * foreign keys and other objects, named by pg_describe_object (PostgreSQL docs, "pg_depend").
   */
  private static List<String> dependents(Connection c, String schema, String table, boolean viewsOnly)
      throws SQLException {
    return strings(c, "SELECT DISTINCT coalesce(v.oid::regclass::text, pg_describe_object(d.classid, d.objid, d.objsubid))"
            + " FROM pg_depend d LEFT JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass"
            + " LEFT JOIN pg_class v ON v.oid = r.ev_class"
            + " WHERE d.refobjid = to_regclass(?) AND d.deptype = 'n' AND coalesce(v.oid, 0) <> d.refobjid"
            + (viewsOnly ? " AND v.oid IS NOT NULL" : ""), schema, table);
  }

  /** The first column of each row {@code sql} returns, its one parameter the relation {@code schema.name}. */
  private static List<String> strings(Connection c, String sql, String schema, String name) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, Sql.qualified(schema, name));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
    }
    return out;
  }
}
