package io.geoswap.common.registry;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.SqlResources;
import io.geoswap.common.db.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of versions in schema {@code geoswap}, on one connection: its schema, reads, and the moves
 * of a build (building → built | failed, reclaiming abandoned builds) and of validation; what publishing and
 * retention write is in {@link Publications}, the load's ledger in {@link LoadMarkers}, the statuses and
 * their allowed moves in {@link VersionStatus}. A build's writes are keyed by its build id, so a stale build
 * (a driver that lost its lease) can't overwrite a newer one's outcome.
 */
public final class VersionRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(VersionRegistry.class);

  private final Connection c;

  public VersionRegistry(Connection c) {
    this.c = c;
  }

  /** The comment registry.sql leaves on geoswap.versions; a registry that has it needs no DDL. */
  static final String REGISTRY_REVISION = "geoswap registry, revision 7";

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
   * Where {@code pipeline} may publish: its target schema must exist (geoswap creates no schemas), and a
   * pipeline already published through one view is never silently published through another — a changed
   * {@code target.schema}/{@code target.view} is a usage error naming both.
   */
  public void checkTarget(String pipeline, String schema, String view) {
    Db.run(c, "reading where " + pipeline + " publishes", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT to_regnamespace(?) IS NOT NULL")) {
        ps.setString(1, Sql.ident(schema));
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
   * Reclaims the builds of {@code pipeline} left {@code building} by a process that is gone (its
   * {@link BuildLock} is free: the lock lives as long as the builder's session): drops each one's
   * partial table and marks it failed. Holds the build lock meanwhile, so a new build of that version
   * waits its turn (it exits 75). A build whose table something depends on is left as it is. Returns what
   * was reclaimed.
   */
  public List<Reclaimed> reclaimAbandonedBuilds(String pipeline, String exceptVersion, Duration lockTimeout) {
    List<VersionRecord> building = new ArrayList<>();
    for (VersionRecord v : list(pipeline)) {
      if (v.status() == VersionStatus.BUILDING && !v.version().equals(exceptVersion)) building.add(v);
    }
    List<Reclaimed> reclaimed = new ArrayList<>();
    for (VersionRecord v : building) {
      BuildLock lock = new BuildLock(v.pipeline(), v.version());
      if (!lock.tryLock(c)) continue; // its builder still runs
      try {
        boolean done = Db.inTransaction(c, "reclaiming abandoned build " + v.version(), conn -> {
          Db.setLocalTimeout(conn, "lock_timeout", lockTimeout);
          if (!buildFailed(conn, v.pipeline(), v.version(), v.buildId(),
              "abandoned: its build process ended without finishing (killed?); reclaimed", ExitCode.TEMPORARY.code(), null)) {
            return false;
          }
          LoadMarkers.delete(conn, v.buildId());
          try (Statement st = conn.createStatement()) {
            // Plain DROP (no CASCADE): a table something reads is refused and the whole reclaim rolls back.
            st.execute("DROP TABLE IF EXISTS " + Sql.qualified(v.tableSchema(), v.tableName()));
          }
          return true;
        });
        if (done) reclaimed.add(new Reclaimed(v.version(), v.tableSchema() + "." + v.tableName()));
      } catch (GeoswapException e) {
        LOG.warn("abandoned build {} of {} kept: {}", v.version(), pipeline, e.getMessage());
      } finally {
        lock.unlock(c);
      }
    }
    return reclaimed;
  }

  /** An abandoned build that was reclaimed: its version, now failed, and the table that was dropped. */
  public record Reclaimed(String version, String table) {
    @Override
    public String toString() {
      return version + " (" + table + ")";
      }
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
      + " validation::text, promoted_at, run_after, source_rows::text";

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

  /** {@code source_rows} as the job wrote it: source name → rows read; empty for builds before revision 7. */
  static Map<String, Long> sourceRows(String json) {
    if (json == null) return Map.of();
    try {
      Map<String, Long> m = new java.util.TreeMap<>();
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).fields()
          .forEachRemaining(e -> m.put(e.getKey(), e.getValue().asLong()));
      return java.util.Collections.unmodifiableMap(m);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("geoswap.versions.source_rows is not JSON", e);
    }
  }

  private static VersionRecord record(ResultSet rs) throws SQLException {
    long rows = rs.getLong(9);
    Long rowsWritten = rs.wasNull() ? null : rows;
    return new VersionRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        VersionStatus.of(rs.getString(5)), (UUID) rs.getObject(6), rs.getObject(7, OffsetDateTime.class), rs.getString(8),
        rowsWritten, rs.getString(10), rs.getString(11), rs.getString(12),
        rs.getObject(13, OffsetDateTime.class), rs.getObject(14, OffsetDateTime.class), rs.getString(15),
        rs.getObject(16, OffsetDateTime.class), rs.getObject(17, OffsetDateTime.class), sourceRows(rs.getString(18)));
  }

  /**
   * Records a validation report. A version that may be validated ({@code VersionStatus.into(VALIDATED)}:
   * built, validated, failed, superseded) moves to validated or failed; one that is live or retired keeps
   * its status (its report is still recorded). Returns the status it has now (null: unknown version).
   */
  public VersionStatus recordValidation(String pipeline, String version, String reportJson, boolean passed) {
    return recordValidation(pipeline, version, reportJson, null, passed);
  }

  /** As {@link #recordValidation(String, String, String, boolean)}, with what changed against the live version. */
  public VersionStatus recordValidation(String pipeline, String version, String reportJson, String diffJson,
      boolean passed) {
    VersionStatus outcome = passed ? VersionStatus.VALIDATED : VersionStatus.FAILED;
    Set<VersionStatus> from = VersionStatus.into(VersionStatus.VALIDATED);
    from.forEach(s -> s.requireMoveTo(outcome));
    return Db.inTransaction(c, "recording the validation", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "UPDATE geoswap.versions SET validation = ?::jsonb, diff = ?::jsonb, validated_at = now(), updated_at = now(),"
              + " status = CASE WHEN status = ANY (?) THEN ? ELSE status END,"
              + " error = CASE WHEN ? THEN NULL ELSE 'validation failed' END"
              + " WHERE pipeline = ? AND version = ? RETURNING status")) {
        ps.setString(1, reportJson);
        ps.setString(2, diffJson);
        ps.setArray(3, Publications.statuses(conn, from));
        ps.setString(4, outcome.value());
        ps.setBoolean(5, passed);
        ps.setString(6, pipeline);
        ps.setString(7, version);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? VersionStatus.of(rs.getString(1)) : null;
        }
      }
    });
  }

  /** A version's recorded diff against the version that was live when it was validated. */
  public record RecordedDiff(String version, String json) {}

  /** The newest version of {@code pipeline} whose validation recorded a diff, with it. */
  public Optional<RecordedDiff> lastDiff(String pipeline) {
    return Db.run(c, "reading the last diff", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT version, diff::text FROM geoswap.versions"
          + " WHERE pipeline = ? AND diff IS NOT NULL ORDER BY validated_at DESC, version DESC LIMIT 1")) {
        ps.setString(1, pipeline);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new RecordedDiff(rs.getString(1), rs.getString(2))) : Optional.empty();
        }
      }
    });
  }

  /**
   * Starts a (re)build of a version: status building with a fresh build id, earlier outcome cleared. A live
   * version is refused: it is never rebuilt in place ({@link VersionStatus#next}). The run's logical date
   * (null when it had none) and run_after are recorded as given: validate reads the same values back, and
   * promote tells a backfill by the logical date.
   */
  public UUID beginBuild(String pipeline, String version, String schema, String table,
      OffsetDateTime logicalDate, String runId, OffsetDateTime runAfter) {
    UUID buildId = UUID.randomUUID();
    return Db.inTransaction(c, "registering the build", conn -> {
      Optional<String> live = liveVersion(conn, pipeline);
      Optional<VersionRecord> existing = find(conn, pipeline, version, true);
      if (live.filter(version::equals).isPresent()
          || existing.filter(r -> !r.status().canMoveTo(VersionStatus.BUILDING)).isPresent()) {
        throw GeoswapException.usage("version " + version + " of " + pipeline
            + " is live; a live version is never rebuilt in place (build a new version id)");
      }
      if (existing.isPresent()) LoadMarkers.delete(conn, existing.get().buildId());
      try (PreparedStatement ps = conn.prepareStatement(
          "INSERT INTO geoswap.versions AS v (pipeline, version, table_schema, table_name, status, build_id,"
              + " logical_date, run_id, run_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (pipeline, version) DO UPDATE SET table_schema = excluded.table_schema,"
              + " table_name = excluded.table_name, status = excluded.status, build_id = excluded.build_id,"
              + " logical_date = excluded.logical_date, run_id = excluded.run_id, run_after = excluded.run_after,"
              + " rows_written = NULL,"
              + " phase_seconds = NULL, spark_app_id = NULL, error = NULL, started_at = now(),"
              + " error_code = NULL, finished_at = NULL, updated_at = now()")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        ps.setString(3, schema);
        ps.setString(4, table);
        ps.setString(5, VersionStatus.BUILDING.value());
        ps.setObject(6, buildId);
        ps.setObject(7, logicalDate);
        ps.setString(8, runId);
        ps.setObject(9, runAfter);
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
      String sparkAppId, Map<String, Long> sourceRows) {
    return Db.inTransaction(c, "registering the built version", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "UPDATE geoswap.versions SET status = ?, rows_written = ?, phase_seconds = ?::jsonb,"
              + " spark_app_id = ?, source_rows = ?::jsonb, finished_at = now(), updated_at = now()"
              + " WHERE pipeline = ? AND version = ? AND build_id = ? AND status = ?")) {
        ps.setString(1, VersionStatus.BUILT.value());
        ps.setLong(2, rows);
        ps.setString(3, phaseSecondsJson);
        ps.setString(4, sparkAppId);
        ps.setString(5, io.geoswap.common.cli.Cli.toJson(sourceRows));
        ps.setString(6, pipeline);
        ps.setString(7, version);
        ps.setObject(8, buildId);
        ps.setString(9, VersionStatus.BUILDING.value());
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** building → failed, with the error's message and exit code. */
  public void markFailed(String pipeline, String version, UUID buildId, String error, int exitCode,
      String phaseSecondsJson) {
    Db.inTransaction(c, "registering the failed build", conn ->
        buildFailed(conn, pipeline, version, buildId, error, exitCode, phaseSecondsJson));
  }

  /** building → failed for build {@code buildId}, in the caller's transaction; false if it isn't building. */
  private static boolean buildFailed(Connection conn, String pipeline, String version, UUID buildId, String error,
      int exitCode, String phaseSecondsJson) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(
        "UPDATE geoswap.versions SET status = ?, error = ?, error_code = ?,"
            + " phase_seconds = coalesce(?::jsonb, phase_seconds), finished_at = now(), updated_at = now()"
            + " WHERE pipeline = ? AND version = ? AND build_id = ? AND status = ?")) {
      ps.setString(1, VersionStatus.FAILED.value());
      ps.setString(2, error);
      ps.setInt(3, exitCode);
      ps.setString(4, phaseSecondsJson);
      ps.setString(5, pipeline);
      ps.setString(6, version);
      ps.setObject(7, buildId);
      ps.setString(8, VersionStatus.BUILDING.value());
      return ps.executeUpdate() == 1;
      }
  }

  /** The exit code a failed build recorded, if any. */
  public Optional<Integer> errorCode(String pipeline, String version) {
    return Db.run(c, "reading the registry", conn -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT error_code FROM geoswap.versions WHERE pipeline = ? AND version = ? AND status = ?")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        ps.setString(3, VersionStatus.FAILED.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) return Optional.empty();
          int code = rs.getInt(1);
          return rs.wasNull() ? Optional.empty() : Optional.of(code);
        }
      }
    });
  }

  /** Rows committed by the partitions of a build (the exactly-once ledger, {@link LoadMarkers}). */
  public long committedRows(UUID buildId) {
    return Db.run(c, "reading load markers", conn -> LoadMarkers.committedRows(conn, buildId));
  }

  /** Forgets a build's load markers. */
  public void deleteMarkers(UUID buildId) {
    Db.run(c, "clearing load markers", conn -> {
      LoadMarkers.delete(conn, buildId);
      return null;
    });
  }
}
