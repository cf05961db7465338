package io.geoswap.swap;

import io.geoswap.common.db.Catalog;
import io.geoswap.common.Sql;
import io.geoswap.common.Text;
import io.geoswap.common.db.Db;
import io.geoswap.common.registry.Publications;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.spec.PipelineSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * Drops version tables no one will publish again: retired versions beyond {@code target.retain} after a
 * publish, and what gc finds. Each drop is a short transaction of its own under the lock timeout, with plain
 * {@code DROP TABLE} (never CASCADE): a table another object depends on is reported and kept, and so is one
 * whose status changed meanwhile or whose lock isn't granted in time. The live version is never dropped.
 */
final class Retention {
  private static final String DEPENDENT_OBJECTS_EXIST = "2BP01";

  private final Connection c;
  private final Duration lockTimeout;

  Retention(Connection c, Duration lockTimeout) {
    this.c = c;
    this.lockTimeout = lockTimeout;
  }

  Duration lockTimeout() {
    return lockTimeout;
  }

  /** Drops retired versions beyond {@code retain}, the most recently promoted kept. */
  void dropBeyondRetention(PipelineSpec spec, List<String> dropped, List<String> kept) throws SQLException {
    List<VersionRecord> retired = new VersionRegistry(c).list(spec.name()).stream()
        .filter(v -> v.status() == VersionStatus.RETIRED)
        .sorted(Comparator.comparing(VersionRecord::promotedAt, Comparator.nullsFirst(Comparator.naturalOrder())).reversed())
        .toList();
    for (VersionRecord old : retired.subList(Math.min(spec.target().retain(), retired.size()), retired.size())) {
      String result = dropVersion(spec.target().schema(), old, VersionStatus.RETIRED);
      if (result == null) dropped.add(old.version());
      else kept.add(old.version() + ": " + result);
    }
  }

  /**
   * Drops one version's table and marks it dropped if its status is still {@code expected}; returns null
   * when dropped, else why it was kept.
   */
  String dropVersion(String schema, VersionRecord v, VersionStatus expected) throws SQLException {
    try {
      return Db.transaction(c, conn -> {
        Db.setLocalTimeout(conn, "lock_timeout", lockTimeout);
        if (!Publications.markDropped(conn, v.pipeline(), v.version(), expected)) return "its status changed meanwhile";
        List<String> deps = Catalog.dependents(conn, schema, v.tableName());
        if (!deps.isEmpty()) {
          conn.rollback(); // keep it, and its status
          return "used by " + deps;
        }
        dropTable(conn, schema, v.tableName());
        return null;
      });
    } catch (SQLException e) {
      String kept = whyKept(e);
      if (kept == null) throw e;
      return kept;
    }
  }

  /**
   * Drops a table named like a version but unknown to the registry (a build that never registered, or was
   * forgotten); returns null when dropped, else why it was kept.
   */
  String dropOrphan(String schema, String table) throws SQLException {
    List<String> deps = Catalog.dependents(c, schema, table);
    if (!deps.isEmpty()) return "used by " + deps;
    try {
      return Db.transaction(c, conn -> {
        Db.setLocalTimeout(conn, "lock_timeout", lockTimeout);
        dropTable(conn, schema, table);
        return null;
      });
    } catch (SQLException e) {
      return Text.oneLine(e.getMessage());
    }
  }

  private static void dropTable(Connection conn, String schema, String table) throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + Sql.qualified(schema, table));
    }
  }

  /** Why a drop that failed with {@code e} keeps the table (gc tries again later); null: not ours to keep. */
  private static String whyKept(SQLException e) {
    if (RetryPolicy.LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
      return "lock not granted within the lock timeout (gc retries later)";
    }
    if (DEPENDENT_OBJECTS_EXIST.equals(e.getSQLState())) return "other objects depend on it: " + Text.oneLine(e.getMessage());
    return null;
  }
}
