package io.geoswap.swap;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A view reads its tables with its owner's rights (PostgreSQL docs, "CREATE VIEW"), so whoever owns a view
 * must be able to read the table it is pointed at. Promote needs that when it re-points a view adopt gave
 * the materialized view's owner; adopt when the view it creates takes that owner. One piece of code for
 * both. Role names come from the catalog and may be any identifier: the server quotes them ({@code %I}).
 */
final class ViewOwner {
  private ViewOwner() {}

  /** The role owning {@code qualifiedView} (quoted, schema-qualified), or null when it doesn't exist. */
  static String of(Connection c, String qualifiedView) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(?)")) {
      ps.setString(1, qualifiedView);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Grants {@code owner} SELECT on {@code qualifiedTable} unless it may read it already; nothing for null. */
  static void mayRead(Connection c, String owner, String qualifiedTable) throws SQLException {
    if (owner == null) return;
    try (PreparedStatement ps = c.prepareStatement("SELECT format('GRANT SELECT ON %s TO %I', ?::text, ?::text)"
        + " WHERE NOT has_table_privilege(?::text, to_regclass(?), 'SELECT')")) {
      ps.setString(1, qualifiedTable);
      ps.setString(2, owner);
      ps.setString(3, owner);
      ps.setString(4, qualifiedTable);
      try (ResultSet rs = ps.executeQuery(); Statement st = c.createStatement()) {
        if (rs.next()) st.execute(rs.getString(1));
      }
    }
  }
}
