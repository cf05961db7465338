package io.geoswap.common.registry;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.SqlResources;
import io.geoswap.common.db.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The registry of versions in schema {@code geoswap}. A version moves building → built | failed here;
 * the swap-task moves it on (validated, live, retired …). Every write is keyed by the build id, so a stale
 * build (a driver that lost its lease) can't overwrite a newer one's outcome.
 */
public final class VersionRegistry {
  private final Connection c;

  public VersionRegistry(Connection c) {
    this.c = c;
  }

  /** The comment registry.sql leaves on geoswap.versions; a registry that has it needs no DDL. */
  static final String REGISTRY_REVISION = "geoswap registry, revision 3";

  /**
   * Creates or upgrades the registry's schema and tables when they are missing or older than this code.
   * A current registry is left alone: under least privilege the tasks may use it but not alter it.
   */
  public void ensureSchema() {
    boolean current = Db.run(c, "reading the geoswap registry", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT obj_description(to_regclass('geoswap.versions'), 'pg_class') = ?")) {
        ps.setString(1, REGISTRY_REVISION);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() && rs.getBoolean(1);
        }
      }
    });
    if (current) return;
    String ddl = SqlResources.load(VersionRegistry.class, "registry.sql");
    Db.inTransaction(c, "creating the geoswap registry", conn -> {
      try (Statement st = conn.createStatement()) {
        st.execute(ddl);
      }
      return null;
    });
  }

  /**
   * Takes a session-level advisory lock for building {@code pipeline}/{@code version}; false when another
   * build of it holds the lock. Released when this connection closes, so a crashed build releases it too.
   */
  public boolean tryLockBuild(String pipeline, String version) {
    return Db.run(c, "locking the build", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(hashtext('geoswap.build'), hashtext(?))")) {
        ps.setString(1, pipeline + "/" + version);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    });
  }

  /**
   * Where {@code pipeline} may publish: its target schema must exist (geoswap creates no schemas), and a
   * pipeline already published through one view is never silently published through another — a changed
   * {@code target.schema}/{@code target.view} is a usage error naming both.
   */
  public void checkTarget(String pipeline, String schema, String view) {
    Db.run(c, "reading where " + pipeline + " publishes", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT to_regnamespace(?) IS NOT NULL")) {
        ps.setString(1, io.geoswap.common.Sql.ident(schema));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            throw GeoswapException.usage("target.schema: schema " + schema + " does not exist; geoswap creates"
                + " no schemas (create it and grant the builder role CREATE on it: README, \"Security model\")");
          }
        }
      }
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT view_schema, view_name, live_version FROM geoswap.pipelines WHERE pipeline = ?")) {
        ps.setString(1, pipeline);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && rs.getString(3) != null
              && !(schema.equals(rs.getString(1)) && view.equals(rs.getString(2)))) {
            throw GeoswapException.usage("pipeline " + pipeline + " is published as view " + rs.getString(1) + "."
                + rs.getString(2) + " (live version " + rs.getString(3) + ") but its spec now says " + schema + "."
                + view + "; geoswap doesn't move a published pipeline: restore target.schema/target.view, or"
                + " publish there as a new pipeline (a new name) and retire the old view yourself");
          }
        }
      }
      return null;
    });
  }

  /**
   * Reclaims the builds of {@code pipeline} left {@code building} by a process that is gone (its build lock
   * is free: the lock lives as long as the builder's session, see {@link #tryLockBuild}): drops each one's
   * partial table and marks it failed. Holds the build lock meanwhile, so a new build of that version
   * waits its turn (it exits 75). A build whose table something depends on is left as it is. Returns what
   * was reclaimed, as {@code version (table)}.
   */
  public List<String> reclaimAbandonedBuilds(String pipeline, String exceptVersion, java.time.Duration lockTimeout) {
    List<VersionRecord> building = new ArrayList<>();
    for (VersionRecord v : list(pipeline)) {
      if (v.status().equals("building") && !v.version().equals(exceptVersion)) building.add(v);
    }
    List<String> reclaimed = new ArrayList<>();
    for (VersionRecord v : building) {
      if (!tryLockBuild(v.pipeline(), v.version())) continue; // its builder still runs
      try {
        boolean done = Db.inTransaction(c, "reclaiming abandoned build " + v.version(), conn -> {
          try (Statement st = conn.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '" + Math.max(1, lockTimeout.toMillis()) + "ms'");
          }
          try (PreparedStatement ps = conn.prepareStatement("UPDATE geoswap.versions SET status = 'failed',"
              + " error = ?, error_code = ?, finished_at = now(), updated_at = now()"
              + " WHERE pipeline = ? AND version = ? AND build_id = ? AND status = 'building'")) {
            ps.setString(1, "abandoned: its build process ended without finishing (killed?); reclaimed");
            ps.setInt(2, io.geoswap.common.ExitCode.TEMPORARY);
            ps.setString(3, v.pipeline());
            ps.setString(4, v.version());
            ps.setObject(5, v.buildId());
            if (ps.executeUpdate() == 0) return false;
          }
          try (PreparedStatement ps = conn.prepareStatement("DELETE FROM geoswap.load_markers WHERE build_id = ?")) {
            ps.setObject(1, v.buildId());
            ps.executeUpdate();
          }
          try (Statement st = conn.createStatement()) {
            // Plain DROP (no CASCADE): a table something reads is refused and the whole reclaim rolls back.
            st.execute("DROP TABLE IF EXISTS " + io.geoswap.common.Sql.qualified(v.tableSchema(), v.tableName()));
          }
          return true;
        });
        if (done) reclaimed.add(v.version() + " (" + v.tableSchema() + "." + v.tableName() + ")");
      } catch (GeoswapException e) {
        org.slf4j.LoggerFactory.getLogger(VersionRegistry.class).warn("abandoned build {} of {} kept: {}",
            v.version(), pipeline, e.getMessage());
      } finally {
        unlockBuild(v.pipeline(), v.version());
      }
    }
    return reclaimed;
  }

  /** Releases a lock taken by {@link #tryLockBuild} on this session. */
  public void unlockBuild(String pipeline, String version) {
    Db.run(c, "unlocking the build", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_unlock(hashtext('geoswap.build'), hashtext(?))")) {
        ps.setString(1, pipeline + "/" + version);
        return ps.execute();
      }
    });
  }

  /** The live version of {@code pipeline}, if any. */
  public Optional<String> liveVersion(String pipeline) {
    return Db.run(c, "reading the live version", conn -> liveVersion(conn, pipeline));
  }

  public Optional<VersionRecord> find(String pipeline, String version) {
    return Db.run(c, "reading the registry", conn -> find(conn, pipeline, version, false));
  }

  private static final String COLUMNS = "pipeline, version, table_schema, table_name, status, build_id,"
      + " logical_date, run_id, rows_written, phase_seconds::text, spark_app_id, error, started_at, finished_at,"
      + " validation::text, promoted_at";

  /** A version's row; {@code forUpdate} locks it for the rest of the caller's transaction. */
  public static Optional<VersionRecord> find(Connection conn, String pipeline, String version, boolean forUpdate)
      throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS + " FROM geoswap.versions"
        + " WHERE pipeline = ? AND version = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
      ps.setString(1, pipeline);
      ps.setString(2, version);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(record(rs)) : Optional.empty();
      }
    }
  }

  /** All versions of {@code pipeline}, newest first. */
  public List<VersionRecord> list(String pipeline) {
    return Db.run(c, "reading the registry", conn -> {
      List<VersionRecord> out = new ArrayList<>();
      try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS + " FROM geoswap.versions"
          + " WHERE pipeline = ? ORDER BY started_at DESC, version DESC")) {
        ps.setString(1, pipeline);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.add(record(rs));
        }
      }
      return out;
    });
  }

  private static VersionRecord record(ResultSet rs) throws SQLException {
    long rows = rs.getLong(9);
    Long rowsWritten = rs.wasNull() ? null : rows;
    return new VersionRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        rs.getString(5), (UUID) rs.getObject(6), rs.getObject(7, OffsetDateTime.class), rs.getString(8),
        rowsWritten, rs.getString(10), rs.getString(11), rs.getString(12),
        rs.getObject(13, OffsetDateTime.class), rs.getObject(14, OffsetDateTime.class), rs.getString(15),
        rs.getObject(16, OffsetDateTime.class));
  }

  /**
   * Records a validation report. A version that was only built or validated moves to validated or failed;
   * one that is live or retained keeps its status (its report is still recorded).
   */
  public String recordValidation(String pipeline, String version, String reportJson, boolean passed) {
    return Db.inTransaction(c, "recording the validation", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "UPDATE geoswap.versions SET validation = ?::jsonb, validated_at = now(), updated_at = now(),"
              + " status = CASE WHEN status IN ('built', 'validated', 'failed', 'superseded') THEN ? ELSE status END,"
              + " error = CASE WHEN ? THEN NULL ELSE 'validation failed' END"
              + " WHERE pipeline = ? AND version = ? RETURNING status")) {
        ps.setString(1, reportJson);
        ps.setString(2, passed ? "validated" : "failed");
        ps.setBoolean(3, passed);
        ps.setString(4, pipeline);
        ps.setString(5, version);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getString(1) : null;
        }
      }
    });
  }

  /**
   * Starts a (re)build of a version: status building with a fresh build id, earlier outcome cleared. A live
   * version is refused: it is never rebuilt in place.
   */
  public UUID beginBuild(String pipeline, String version, String schema, String table,
      OffsetDateTime logicalDate, String runId) {
    UUID buildId = UUID.randomUUID();
    return Db.inTransaction(c, "registering the build", conn -> {
      Optional<String> live = liveVersion(conn, pipeline);
      Optional<VersionRecord> existing = find(conn, pipeline, version, true);
      if (live.filter(version::equals).isPresent() || existing.filter(r -> r.status().equals("live")).isPresent()) {
        throw GeoswapException.usage("version " + version + " of " + pipeline
            + " is live; a live version is never rebuilt in place (build a new version id)");
      }
      if (existing.isPresent()) {
        try (PreparedStatement d = conn.prepareStatement("DELETE FROM geoswap.load_markers WHERE build_id = ?")) {
          d.setObject(1, existing.get().buildId());
          d.executeUpdate();
        }
      }
      try (PreparedStatement ps = conn.prepareStatement(
          "INSERT INTO geoswap.versions AS v (pipeline, version, table_schema, table_name, status, build_id,"
              + " logical_date, run_id) VALUES (?, ?, ?, ?, 'building', ?, ?, ?)"
              + " ON CONFLICT (pipeline, version) DO UPDATE SET table_schema = excluded.table_schema,"
              + " table_name = excluded.table_name, status = 'building', build_id = excluded.build_id,"
              + " logical_date = excluded.logical_date, run_id = excluded.run_id, rows_written = NULL,"
              + " phase_seconds = NULL, spark_app_id = NULL, error = NULL, started_at = now(),"
              + " error_code = NULL, finished_at = NULL, updated_at = now()")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        ps.setString(3, schema);
        ps.setString(4, table);
        ps.setObject(5, buildId);
        ps.setObject(6, logicalDate);
        ps.setString(7, runId);
        ps.executeUpdate();
      }
      return buildId;
    });
  }

  /** The live version of {@code pipeline}, if any, read on {@code conn} (inside the caller's transaction). */
  public static Optional<String> liveVersion(Connection conn, String pipeline) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT live_version FROM geoswap.pipelines WHERE pipeline = ?")) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** building → built, with what the job measured. False if this build is no longer the current one. */
  public boolean markBuilt(String pipeline, String version, UUID buildId, long rows, String phaseSecondsJson,
      String sparkAppId) {
    return Db.inTransaction(c, "registering the built version", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "UPDATE geoswap.versions SET status = 'built', rows_written = ?, phase_seconds = ?::jsonb,"
              + " spark_app_id = ?, finished_at = now(), updated_at = now()"
              + " WHERE pipeline = ? AND version = ? AND build_id = ? AND status = 'building'")) {
        ps.setLong(1, rows);
        ps.setString(2, phaseSecondsJson);
        ps.setString(3, sparkAppId);
        ps.setString(4, pipeline);
        ps.setString(5, version);
        ps.setObject(6, buildId);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** building → failed, with the error's message and exit code. */
  public void markFailed(String pipeline, String version, UUID buildId, String error, int exitCode,
      String phaseSecondsJson) {
    Db.inTransaction(c, "registering the failed build", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "UPDATE geoswap.versions SET status = 'failed', error = ?, error_code = ?, phase_seconds = ?::jsonb,"
              + " finished_at = now(), updated_at = now()"
              + " WHERE pipeline = ? AND version = ? AND build_id = ? AND status = 'building'")) {
        ps.setString(1, error);
        ps.setInt(2, exitCode);
        ps.setString(3, phaseSecondsJson);
        ps.setString(4, pipeline);
        ps.setString(5, version);
        ps.setObject(6, buildId);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The exit code a failed build recorded, if any. */
  public Optional<Integer> errorCode(String pipeline, String version) {
    return Db.run(c, "reading the registry", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT error_code FROM geoswap.versions WHERE pipeline = ? AND version = ? AND status = 'failed'")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) return Optional.empty();
          int code = rs.getInt(1);
          return rs.wasNull() ? Optional.empty() : Optional.of(code);
        }
      }
    });
  }

  /** Rows committed by the partitions of a build (the exactly-once ledger). */
  public long committedRows(UUID buildId) {
    return Db.run(c, "reading load markers", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT coalesce(sum(rows), 0) FROM geoswap.load_markers WHERE build_id = ?")) {
        ps.setObject(1, buildId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  public void deleteMarkers(UUID buildId) {
    Db.run(c, "clearing load markers", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("DELETE FROM geoswap.load_markers WHERE build_id = ?")) {
        ps.setObject(1, buildId);
        return ps.executeUpdate();
      }
    });
  }
}
