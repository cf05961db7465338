package io.geoswap.swap;

import io.geoswap.common.db.Catalog;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.swap.compare.RelationComparison.Relation;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Taking over a materialized view's name, and giving it back: what {@code adopt} and {@code adopt --undo}
 * do inside their one short transaction. {@link #plan} reads the catalog and refuses what can't be moved
 * (validate, then commit: it changes nothing); {@link #apply} carries the plan out in the caller's
 * transaction, which holds the pipeline's lock and a lock timeout.
 *
 * <p>Dependent plain views are re-created from their own definitions, read with an empty search_path so
 * that every name in them is schema-qualified (PostgreSQL's ruleutils qualifies what the path doesn't
 * reach): once the materialized view has been renamed and the new view created under its old name, the
 * same text resolves to the new view. No SQL is rewritten, and CREATE OR REPLACE VIEW keeps each
 * dependent's OID, owner, grants and its own dependents (PostgreSQL docs, "CREATE VIEW").
 *
 * <p>Role names, comments and view definitions come from the catalog, not from a spec, and may not be
 * geoswap-style identifiers: they are quoted by the server ({@code format('%I')}, {@code %L}) as they
 * are turned into statements.
 */
final class Adoption {
  /** A dependent view to re-create: its name, definition and options as the catalog has them. */
  record DependentView(String name, String definition, List<String> options) {}

  /**
   * What adopt will do.
   *
   * @param keptName the materialized view's name after the cutover (kept for --undo, listed by status)
   * @param owner the materialized view's owner (the new view gets it)
   * @param grantStatements GRANTs that give the new view the materialized view's ACL, as the server wrote them
   * @param commentStatement COMMENT that carries over its comment, or null
   */
  record Plan(Relation matview, String keptName, Relation versionTable, List<String> columns, String owner,
      List<String> grantStatements, String commentStatement, List<DependentView> views) {}

  private Adoption() {}

  /** The name a taken-over materialized view is kept under: {@code <mv>_pre_geoswap}, within 63 bytes. */
  static String keptName(String matview) {
    String suffix = "_pre_geoswap";
    String base = matview.length() + suffix.length() > Sql.MAX_IDENTIFIER_BYTES
        ? matview.substring(0, Sql.MAX_IDENTIFIER_BYTES - suffix.length()) : matview;
    return base + suffix;
  }

  /**
   * Reads what taking over {@code mv} by a view on {@code versionTable} needs, refusing (usage error, nothing
   * changed) a relation that isn't a materialized view, a kept name already taken, or a dependent that
   * isn't a plain view (another materialized view, a function body, a policy …), with the list.
   */
  static Plan plan(Connection c, Relation mv, Relation versionTable) throws SQLException {
    String kind = Catalog.relkind(c, mv.schema(), mv.name());
    if (kind == null) throw GeoswapException.usage("materialized view " + mv + " does not exist");
    if (!kind.equals("m")) {
      throw GeoswapException.usage(mv + " is not a materialized view (relkind " + kind + ")"
          + (kind.equals("v") ? "; adopted already?" : ""));
    }
    String kept = keptName(mv.name());
    if (Catalog.exists(c, mv.schema(), kept)) {
      throw GeoswapException.usage(mv.schema() + "." + kept + " exists already: the name adopt keeps the materialized view under is taken");
    }
    List<DependentView> views = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    dependents(c, mv, views, refused);
    if (!refused.isEmpty()) {
      throw GeoswapException.usage("can't take over " + mv + ": it has dependents adopt can't move " + refused
          + " (only plain views are re-created on the new view); nothing changed");
    }
    String owner;
    String comment;
    List<String> grants = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_get_userbyid(relowner),"
        + " CASE WHEN obj_description(oid, 'pg_class') IS NOT NULL"
        + " THEN format('COMMENT ON VIEW %s IS %L', ?, obj_description(oid, 'pg_class')) END"
        + " FROM pg_class WHERE oid = to_regclass(?)")) {
      ps.setString(1, mv.toString());
      ps.setString(2, mv.toString());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        owner = rs.getString(1);
        comment = rs.getString(2);
      }
    }
    // The ACL as GRANT statements (the owner's own privileges are implicit; PUBLIC is grantee 0).
    try (PreparedStatement ps = c.prepareStatement("SELECT format('GRANT %s ON %s TO %s%s', a.privilege_type, ?,"
        + " CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,"
        + " CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
        + " FROM pg_class cl, aclexplode(cl.relacl) a WHERE cl.oid = to_regclass(?) AND a.grantee <> cl.relowner"
        + " ORDER BY a.grantee, a.privilege_type")) {
      ps.setString(1, mv.toString());
      ps.setString(2, mv.toString());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) grants.add(rs.getString(1));
      }
    }
    List<String> columns = Catalog.columns(c, versionTable.schema(), versionTable.name()).stream()
        .map(Catalog.Column::name).toList();
    return new Plan(mv, kept, versionTable, columns, owner, grants, comment, views);
  }

  /** Views (and refused others) that depend on {@code rel}; each view's definition fully qualified. */
  static void dependents(Connection c, Relation rel, List<DependentView> views, List<String> refused) throws SQLException {
    try (Statement st = c.createStatement()) {
      // Local to the caller's transaction: pg_get_viewdef then qualifies every name (see the class comment).
      st.execute("SET LOCAL search_path = ''");
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT DISTINCT v.oid IS NOT NULL AND v.relkind = 'v',"
            + " coalesce(format('%I.%I', vn.nspname, v.relname), pg_describe_object(d.classid, d.objid, d.objsubid)),"
            + " CASE WHEN v.relkind = 'v' THEN pg_get_viewdef(v.oid) END, v.reloptions"
            + " FROM pg_depend d LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid"
            + " LEFT JOIN pg_class v ON v.oid = r.ev_class LEFT JOIN pg_namespace vn ON vn.oid = v.relnamespace"
            + " WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = to_regclass(?) AND d.deptype = 'n'"
            + " AND coalesce(v.oid, 0) <> d.refobjid ORDER BY 2")) {
      ps.setString(1, Sql.qualified(rel.schema(), rel.name()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (!rs.getBoolean(1)) {
            refused.add(rs.getString(2));
            continue;
          }
          Array opts = rs.getArray(4);
          List<String> options = opts == null ? List.of() : List.of((String[]) opts.getArray());
          views.add(new DependentView(rs.getString(2), rs.getString(3), options));
        }
      }
    }
  }

  /** Carries {@code p} out in the caller's transaction. */
  static void apply(Connection c, Plan p) throws SQLException {
    String mv = Sql.qualified(p.matview().schema(), p.matview().name());
    String cols = p.columns().stream().map(Sql::ident).reduce((a, b) -> a + ", " + b).orElseThrow();
    try (Statement st = c.createStatement()) {
      st.execute("ALTER MATERIALIZED VIEW " + mv + " RENAME TO " + Sql.ident(p.keptName()));
      st.execute("CREATE VIEW " + mv + " AS SELECT " + cols + " FROM "
          + Sql.qualified(p.versionTable().schema(), p.versionTable().name()));
    }
    carryOver(c, p);
    recreate(c, p.views());
  }

  /** Owner, comment and grants of the materialized view, onto the new view under its name. */
  private static void carryOver(Connection c, Plan p) throws SQLException {
    // The owner must be able to read the version table the view now reads with the owner's rights.
    ViewOwner.mayRead(c, p.owner(), Sql.qualified(p.versionTable().schema(), p.versionTable().name()));
    List<String> statements = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT format('ALTER VIEW %s OWNER TO %I', ?::text, ?::text)")) {
      ps.setString(1, Sql.qualified(p.matview().schema(), p.matview().name()));
      ps.setString(2, p.owner());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        statements.add(rs.getString(1));
      }
    }
    if (p.commentStatement() != null) statements.add(p.commentStatement());
    statements.addAll(p.grantStatements());
    try (Statement st = c.createStatement()) {
      for (String s : statements) st.execute(s);
    }
  }

  /** CREATE OR REPLACE each view from its own (qualified) definition: its names now resolve anew. */
  static void recreate(Connection c, List<DependentView> views) throws SQLException {
    try (Statement st = c.createStatement()) {
      for (DependentView v : views) {
        String with = v.options().isEmpty() ? "" : " WITH (" + String.join(", ", v.options()) + ")";
        st.execute("CREATE OR REPLACE VIEW " + v.name() + with + " AS " + v.definition());
      }
    }
  }

  /**
   * The undo: the view under the materialized view's name is renamed away, the kept materialized view gets
   * its name back, dependent views are re-created on it, and the view is dropped — in the caller's
   * transaction. A kept materialized view that is gone is a usage error, nothing changed.
   */
  static void undo(Connection c, Relation name, String keptName) throws SQLException {
    String keptKind = Catalog.relkind(c, name.schema(), keptName);
    if (!"m".equals(keptKind)) {
      throw GeoswapException.usage("the materialized view " + name.schema() + "." + keptName + " that adopt kept is gone;"
          + " nothing to undo (the view " + name + " stays)");
    }
    if (!"v".equals(Catalog.relkind(c, name.schema(), name.name()))) {
      throw GeoswapException.usage(name + " is not a view: nothing to undo");
    }
    List<DependentView> views = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    dependents(c, name, views, refused);
    if (!refused.isEmpty()) {
      throw GeoswapException.usage("can't give " + name + " back: it has dependents that can't be moved " + refused);
    }
    String away = keptName(name.name()).replace("_pre_geoswap", "_geoswap_undo");
    try (Statement st = c.createStatement()) {
      st.execute("ALTER VIEW " + Sql.qualified(name.schema(), name.name()) + " RENAME TO " + Sql.ident(away));
      st.execute("ALTER MATERIALIZED VIEW " + Sql.qualified(name.schema(), keptName) + " RENAME TO " + Sql.ident(name.name()));
    }
    recreate(c, views);
    try (Statement st = c.createStatement()) {
      st.execute("DROP VIEW " + Sql.qualified(name.schema(), away));
    }
  }
}
