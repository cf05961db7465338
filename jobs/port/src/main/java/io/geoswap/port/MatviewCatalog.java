package io.geoswap.port;

import io.geoswap.common.GeoswapException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code init} needs to know about a materialized view, read from PostgreSQL's catalog in one
 * read-only pass: its query as PostgreSQL prints it back ({@code pg_get_viewdef}, pretty), its columns with
 * geometry typmods, its indexes (a unique one is the key), and the tables its query reads (the rewrite
 * rule's dependencies in {@code pg_depend}) with their columns, integer primary keys and sizes.
 */
public final class MatviewCatalog {
  private MatviewCatalog() {}

  /** A column; {@code geometryType}/{@code srid} only for a geometry column with a typmod (else null/0). */
  public record Column(String name, String pgType, String typname, String geometryType, int srid) {
    public boolean isGeometry() {
      return "geometry".equals(typname);
    }
  }

  /** An index: its plain columns (null when it has an expression or a predicate), method, uniqueness. */
  public record Index(String name, List<String> columns, String method, boolean unique) {}

  /** A table the view reads. {@code primaryKey} is empty when it has none. */
  public record Table(String schema, String name, String relkind, List<Column> columns, List<String> primaryKey,
      long bytes) {
    public Column column(String col) {
      return columns.stream().filter(c -> c.name().equals(col)).findFirst().orElse(null);
    }

    /** The primary key's column when it is one integer column (a partition column), else null. */
    public String integerKey() {
      if (primaryKey.size() != 1) return null;
      Column c = column(primaryKey.get(0));
      return c != null && List.of("int2", "int4", "int8").contains(c.typname()) ? c.name() : null;
    }
  }

  public record Matview(String schema, String name, String definition, List<Column> columns, List<Index> indexes,
      List<Table> tables) {
    public Table table(String schemaName, String tableName) {
      return tables.stream().filter(t -> t.name().equals(tableName) && (schemaName == null || t.schema().equals(schemaName)))
          .findFirst().orElse(null);
    }
  }

  private static final Map<String, String> RELKINDS = Map.of("r", "a table", "p", "a partitioned table", "v", "a view",
      "f", "a foreign table", "S", "a sequence", "i", "an index", "I", "an index", "c", "a composite type");

  /** Reads {@code schema.name}; exit 3 (data) when it is missing or not a materialized view. */
  public static Matview read(Connection c, String schema, String name) throws SQLException {
    long oid;
    String relkind;
    try (PreparedStatement ps = c.prepareStatement("SELECT c.oid, c.relkind::text FROM pg_class c"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
      ps.setString(1, schema);
      ps.setString(2, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) throw GeoswapException.data("materialized view " + schema + "." + name + " does not exist");
        oid = rs.getLong(1);
        relkind = rs.getString(2);
      }
    }
    if (!"m".equals(relkind)) {
      throw GeoswapException.data(schema + "." + name + " is " + RELKINDS.getOrDefault(relkind, "not a relation geoswap knows")
          + ", not a materialized view: init ports materialized views only");
    }
    String definition;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_get_viewdef(?::oid, true)")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        definition = rs.getString(1);
      }
    }
    List<Table> tables = new ArrayList<>();
    // The relations the view's rewrite rule depends on (deptype n): what its query reads.
    try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT n.nspname, t.relname, t.relkind::text, t.oid,"
        + " pg_total_relation_size(t.oid) FROM pg_rewrite r"
        + " JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass"
        + " JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace"
        + " WHERE r.ev_class = ? AND t.oid <> ? ORDER BY 1, 2")) {
      ps.setLong(1, oid);
      ps.setLong(2, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long t = rs.getLong(4);
          tables.add(new Table(rs.getString(1), rs.getString(2), rs.getString(3), columns(c, t), primaryKey(c, t), rs.getLong(5)));
        }
      }
    }
    return new Matview(schema, name, definition, columns(c, oid), indexes(c, oid), tables);
  }

  static List<Column> columns(Connection c, long oid) throws SQLException {
    List<Column> out = new ArrayList<>();
    // postgis_typmod_* read a geometry column's declared subtype and SRID (typmod -1: none declared).
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname,"
        + " CASE WHEN t.typname = 'geometry' AND a.atttypmod > 0 THEN postgis_typmod_type(a.atttypmod) END,"
        + " CASE WHEN t.typname = 'geometry' AND a.atttypmod > 0 THEN postgis_typmod_srid(a.atttypmod) ELSE 0 END"
        + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
        + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(new Column(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5)));
      }
    }
    return out;
  }

  static List<String> primaryKey(Connection c, long oid) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_index i"
        + " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true"
        + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        + " WHERE i.indrelid = ? AND i.indisprimary ORDER BY k.ord")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
    }
    return out;
  }

  static List<Index> indexes(Connection c, long oid) throws SQLException {
    List<Index> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT ic.relname, i.indisunique, am.amname,"
        + " i.indexprs IS NOT NULL OR i.indpred IS NOT NULL,"
        + " (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)"
        + "   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)"
        + " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam"
        + " WHERE i.indrelid = ? ORDER BY i.indisunique DESC, ic.relname")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          List<String> cols = null;
          if (!rs.getBoolean(4) && rs.getArray(5) != null) cols = List.of((String[]) rs.getArray(5).getArray());
          out.add(new Index(rs.getString(1), cols, rs.getString(3), rs.getBoolean(2)));
        }
      }
    }
    return out;
  }
}
