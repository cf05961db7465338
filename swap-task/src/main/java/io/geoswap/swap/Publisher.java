package io.geoswap.swap;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.Catalog;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.spec.PipelineSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a version: one short transaction re-points the stable view to the version's table, then old
 * versions beyond {@code retain} are dropped in transactions of their own. Promote and rollback share this
 * path and its guards:
 * <ul>
 *   <li>a per-pipeline advisory lock, then compare-and-swap on the live version read under it;
 *   <li>{@code SET LOCAL lock_timeout}: readers queue behind the swap's ACCESS EXCLUSIVE request at most that
 *       long; on timeout the attempt rolls back and is retried with jittered backoff, up to a bound;
 *   <li>{@code CREATE OR REPLACE VIEW … AS SELECT <explicit columns>}: keeps the view's OID, owner, grants and
 *       dependent views (PostgreSQL docs, "CREATE VIEW"); a table whose columns can't replace the view's is
 *       refused with the differences listed;
 *   <li>before the swap, transactions whose snapshot predates the load are waited for (bounded): catalog
 *       lookups ignore snapshots, so such a REPEATABLE READ transaction would see the new table empty.
 * </ul>
 * Old tables are dropped after the commit with plain DROP TABLE (never CASCADE): a table something else
 * depends on is reported and kept. When an outcome is unknown nothing is dropped.
 */
public final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
  /** Test hook (environment): {@code in-swap} or {@code after-commit} pauses there for a kill -9. */
  static final String TEST_HOOK_ENV = "GEOSWAP_TEST_PAUSE";

  private final DbSettings db;
  private final SwapConfig config;
  private final RandomGenerator random;

  public Publisher(DbSettings db, SwapConfig config, RandomGenerator random) {
    this.db = db;
    this.config = config;
    this.random = random;
  }

  Duration lockTimeout() {
    return config.lockTimeout();
  }

  /** What happened, for the JSON result. */
  public record Outcome(String action, String pipeline, String version, String previous, int attempts,
      Map<String, Object> snapshotWait, List<String> dropped, List<String> kept, int exitCode, String message) {
    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", action);
      m.put("pipeline", pipeline);
      m.put("version", version);
      m.put("previous", previous);
      m.put("attempts", attempts);
      if (snapshotWait != null) m.put("snapshot_wait", snapshotWait);
      m.put("dropped", dropped);
      m.put("kept", kept);
      if (message != null) m.put("message", message);
      return m;
    }
  }

  private enum Mode { PROMOTE, ROLLBACK }

  public Outcome promote(PipelineSpec spec, String version, boolean force, boolean snapshotGuard) {
    return publish(spec, version, force, snapshotGuard, Mode.PROMOTE);
  }

  /** Re-points the view to a retained version ({@code to}, or the newest retained one). */
  public Outcome rollback(PipelineSpec spec, String to) {
    String target = to;
    if (target == null) {
      try (Connection c = Db.connect(db)) {
        VersionRegistry registry = new VersionRegistry(c);
        registry.ensureSchema();
        target = registry.list(spec.name()).stream().filter(v -> v.status().equals("retired"))
            .filter(v -> v.promotedAt() != null)
            .max(java.util.Comparator.comparing(VersionRecord::promotedAt))
            .map(VersionRecord::version)
            .orElseThrow(() -> GeoswapException.usage("no retained version of " + spec.name() + " to roll back to"));
      } catch (SQLException e) {
        throw DbErrors.translate("finding the version to roll back to", e);
      }
    }
    return publish(spec, target, true, true, Mode.ROLLBACK);
  }

  private Outcome publish(PipelineSpec spec, String version, boolean force, boolean snapshotGuard, Mode mode) {
    try (Connection c = Db.connect(db.withApplicationName("geoswap-" + mode.name().toLowerCase()))) {
      VersionRegistry registry = new VersionRegistry(c);
      registry.ensureSchema();
      registry.checkTarget(spec.name(), spec.target().schema(), spec.target().view());
      VersionRecord rec = registry.find(spec.name(), version).orElseThrow(() -> GeoswapException.usage(
          "version " + version + " of " + spec.name() + " is unknown to the registry"));
      Map<String, Object> waited = null;
      if (!isLive(c, spec.name(), version)) {
        checkPublishable(rec, mode);
        if (snapshotGuard) waited = waitForOldSnapshots(c, rec);
      }
      int attempt = 0;
      Swap swap = null;
      while (swap == null) {
        attempt++;
        try {
          swap = swapOnce(c, spec, version, force, mode);
        } catch (SQLException e) {
          if (!"55P03".equals(e.getSQLState())) throw DbErrors.translate(mode.name().toLowerCase() + " of " + version, e);
          if (attempt >= config.maxAttempts()) {
            throw GeoswapException.temporary("could not lock view " + spec.target().schema() + "."
                + spec.target().view() + " within " + attempt + " attempts of lock_timeout " + config.lockTimeout().toMillis()
                + " ms (a long reader holds it?); the live version is unchanged", e);
          }
          Duration pause = config.backoff(attempt + 1, random);
          LOG.warn("attempt {}: the view's lock was not granted within {} ms; retrying in {} ms", attempt,
              config.lockTimeout().toMillis(), pause.toMillis());
          sleep(pause);
        }
      }
      if (swap.action.equals("superseded")) {
        return new Outcome("superseded", spec.name(), version, swap.previous, attempt, waited, List.of(), List.of(),
            ExitCode.SKIPPED, swap.message);
      }
      testHook("after-commit");
      List<String> dropped = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      dropBeyondRetention(c, spec, dropped, kept);
      LOG.info("{}: {} {} is live (previous: {}); dropped {}, kept {}", spec.name(), swap.action, version,
          swap.previous, dropped, kept);
      return new Outcome(swap.action, spec.name(), version, swap.previous, attempt, waited, dropped, kept,
          ExitCode.OK, swap.message);
    } catch (SQLException e) {
      throw DbErrors.translate("closing the connection", e);
    }
  }

  private static void checkPublishable(VersionRecord rec, Mode mode) {
    String s = rec.status();
    String what = "version " + rec.version() + " of " + rec.pipeline();
    switch (s) {
      case "validated", "superseded" -> { }
      case "retired" -> {
        if (mode == Mode.PROMOTE) throw GeoswapException.usage(what + " was live before; use rollback --to " + rec.version());
      }
      case "built" -> throw GeoswapException.usage(what + " is built but not validated: run validate first");
      case "failed" -> throw GeoswapException.data(what + " failed (" + rec.error() + "); it can't be published");
      case "building" -> throw GeoswapException.temporary(what + " is still building", null);
      case "dropped" -> throw GeoswapException.usage(what + " was dropped");
      default -> throw GeoswapException.usage(what + " has status " + s + " and can't be published");
    }
  }

  private static boolean isLive(Connection c, String pipeline, String version) throws SQLException {
    return VersionRegistry.liveVersion(c, pipeline).filter(version::equals).isPresent();
  }

  /**
   * Waits until no transaction holds a snapshot taken before the version was built. Such a transaction
   * (REPEATABLE READ or SERIALIZABLE) would, once the view points at the new table, read it with a snapshot
   * that can't see its rows: an empty view (catalog lookups ignore snapshots; PostgreSQL docs, "13.5.
   * Caveats"). {@code xact_start} bounds when a snapshot was taken from below: a transaction that started
   * after the build finished can only have a later snapshot.
   */
  private Map<String, Object> waitForOldSnapshots(Connection c, VersionRecord rec) throws SQLException {
    OffsetDateTime builtAt = rec.finishedAt();
    Map<String, Object> report = new LinkedHashMap<>();
    if (builtAt == null) return report;
    long start = System.nanoTime();
    long deadline = start + config.snapshotWait().toNanos();
    List<Integer> seen = new ArrayList<>();
    while (true) {
      List<Integer> pids = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE backend_xmin IS NOT NULL"
          + " AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()"
          + " AND xact_start < ?")) {
        ps.setObject(1, builtAt);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) pids.add(rs.getInt(1));
        }
      }
      pids.stream().filter(p -> !seen.contains(p)).forEach(seen::add);
      if (pids.isEmpty()) break;
      if (System.nanoTime() > deadline) {
        throw GeoswapException.temporary("transactions " + pids + " hold snapshots older than version "
            + rec.version() + " after waiting " + config.snapshotWait().toSeconds() + " s; promoting now would show"
            + " them an empty view. The live version is unchanged", null);
      }
      if (seen.size() == pids.size() && report.isEmpty()) {
        LOG.info("waiting for transactions {} whose snapshots predate version {}", pids, rec.version());
      }
      sleep(Duration.ofMillis(100));
    }
    report.put("seconds", Math.round((System.nanoTime() - start) / 1e6) / 1e3);
    report.put("waited_for_pids", seen);
    return report;
  }

  private record Swap(String action, String previous, String message) {}

  /** One attempt, one transaction. Throws SQLException 55P03 when the view's lock isn't granted in time. */
  private Swap swapOnce(Connection c, PipelineSpec spec, String version, boolean force, Mode mode) throws SQLException {
    String schema = spec.target().schema();
    String view = spec.target().view();
    c.setAutoCommit(false);
    try {
      try (Statement st = c.createStatement()) {
        // SET LOCAL: the timeouts end with this transaction (PostgreSQL docs, "SET").
        st.execute("SET LOCAL lock_timeout = '" + config.lockTimeout().toMillis() + "ms'");
        st.execute("SET LOCAL statement_timeout = '" + config.statementTimeout().toMillis() + "ms'");
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('geoswap.promote'), hashtext(?))")) {
        ps.setString(1, spec.name());
        ps.execute();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO geoswap.pipelines (pipeline, view_schema, view_name)"
          + " VALUES (?, ?, ?) ON CONFLICT (pipeline) DO NOTHING")) {
        ps.setString(1, spec.name());
        ps.setString(2, schema);
        ps.setString(3, view);
        ps.executeUpdate();
      }
      String live;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT live_version, view_schema, view_name FROM geoswap.pipelines WHERE pipeline = ? FOR UPDATE")) {
        ps.setString(1, spec.name());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          live = rs.getString(1);
          // Checked before (checkTarget) and again under the row lock: never re-point another view.
          if (live != null && !(schema.equals(rs.getString(2)) && view.equals(rs.getString(3)))) {
            throw GeoswapException.usage("pipeline " + spec.name() + " is published as view " + rs.getString(2)
                + "." + rs.getString(3) + " but its spec now says " + schema + "." + view + "; nothing changed");
          }
        }
      }
      if (version.equals(live)) {
        c.commit();
        return new Swap("already_live", live, "version " + version + " is already live");
      }
      VersionRecord rec = VersionRegistry.find(c, spec.name(), version, true).orElseThrow();
      checkPublishable(rec, mode);
      Optional<VersionRecord> liveRec = live == null ? Optional.empty() : VersionRegistry.find(c, spec.name(), live, true);
      if (mode == Mode.PROMOTE && !force && liveRec.isPresent() && rec.logicalDate() != null
          && liveRec.get().logicalDate() != null && rec.logicalDate().isBefore(liveRec.get().logicalDate())) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.versions SET status = 'superseded',"
            + " updated_at = now() WHERE pipeline = ? AND version = ?")) {
          ps.setString(1, spec.name());
          ps.setString(2, version);
          ps.executeUpdate();
        }
        c.commit();
        return new Swap("superseded", live, "version " + version + " (logical date " + rec.logicalDate()
            + ") is older than live version " + live + " (" + liveRec.get().logicalDate() + "); not promoted (use --force)");
      }
      if (!Catalog.exists(c, schema, rec.tableName())) {
        throw GeoswapException.usage("table " + schema + "." + rec.tableName() + " of version " + version + " is missing");
      }
      List<Catalog.Column> tableColumns = Catalog.columns(c, schema, rec.tableName());
      String kind = Catalog.relkind(c, schema, view);
      if (kind != null && !kind.equals("v")) {
        throw GeoswapException.usage(schema + "." + view + " exists and is not a view (relkind " + kind
            + "); rename it, geoswap publishes through a view of that name");
      }
      if (kind != null) {
        List<String> drift = Catalog.driftProblems(Catalog.columns(c, schema, view), tableColumns);
        if (!drift.isEmpty()) {
          throw GeoswapException.data("version " + version + " can't replace the columns of view " + schema + "."
              + view + ": " + String.join("; ", drift) + " (PostgreSQL only lets a view append columns; the view is unchanged)");
        }
      }
      String columns = tableColumns.stream().map(col -> Sql.ident(col.name())).collect(Collectors.joining(", "));
      try (Statement st = c.createStatement()) {
        st.execute("CREATE OR REPLACE VIEW " + Sql.qualified(schema, view) + " AS SELECT " + columns + " FROM "
            + Sql.qualified(schema, rec.tableName()));
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.pipelines SET live_version = ?, view_schema = ?,"
          + " view_name = ?, updated_at = now() WHERE pipeline = ?")) {
        ps.setString(1, version);
        ps.setString(2, schema);
        ps.setString(3, view);
        ps.setString(4, spec.name());
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.versions SET status = 'live', promoted_at = now(),"
          + " updated_at = now() WHERE pipeline = ? AND version = ?")) {
        ps.setString(1, spec.name());
        ps.setString(2, version);
        ps.executeUpdate();
      }
      if (live != null) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.versions SET status = 'retired', retired_at = now(),"
            + " updated_at = now() WHERE pipeline = ? AND version = ? AND status = 'live'")) {
          ps.setString(1, spec.name());
          ps.setString(2, live);
          ps.executeUpdate();
        }
      }
      testHook("in-swap");
      c.commit();
      return new Swap(mode == Mode.PROMOTE ? "promoted" : "rolled_back", live, null);
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * Drops retired versions beyond {@code retain}, newest kept, each in its own short transaction with the
   * same lock timeout. Plain DROP TABLE: a table another object depends on is reported and kept.
   */
  void dropBeyondRetention(Connection c, PipelineSpec spec, List<String> dropped, List<String> kept) throws SQLException {
    List<VersionRecord> retired = new VersionRegistry(c).list(spec.name()).stream()
        .filter(v -> v.status().equals("retired"))
        .sorted(java.util.Comparator.comparing(VersionRecord::promotedAt,
            java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())).reversed())
        .toList();
    for (VersionRecord old : retired.subList(Math.min(spec.target().retain(), retired.size()), retired.size())) {
      String result = dropVersion(c, spec.target().schema(), old, "retired");
      if (result == null) dropped.add(old.version());
      else kept.add(old.version() + ": " + result);
    }
  }

  /**
   * Drops one version's table and marks it dropped if its status is still {@code expectedStatus}; returns
   * null when dropped, else why it was kept.
   */
  String dropVersion(Connection c, String schema, VersionRecord v, String expectedStatus) throws SQLException {
    c.setAutoCommit(false);
    try {
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL lock_timeout = '" + config.lockTimeout().toMillis() + "ms'");
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.versions SET status = 'dropped', dropped_at = now(),"
          + " updated_at = now() WHERE pipeline = ? AND version = ? AND status = ?"
          + " AND version IS DISTINCT FROM (SELECT live_version FROM geoswap.pipelines WHERE pipeline = ?)")) {
        ps.setString(1, v.pipeline());
        ps.setString(2, v.version());
        ps.setString(3, expectedStatus);
        ps.setString(4, v.pipeline());
        if (ps.executeUpdate() == 0) {
          c.rollback();
          return "its status changed meanwhile";
        }
      }
      List<String> deps = Catalog.dependents(c, schema, v.tableName());
      if (!deps.isEmpty()) {
        c.rollback();
        return "used by " + deps;
      }
      try (Statement st = c.createStatement()) {
        st.execute("DROP TABLE IF EXISTS " + Sql.qualified(schema, v.tableName()));
      }
      c.commit();
      return null;
    } catch (SQLException e) {
      c.rollback();
      if ("55P03".equals(e.getSQLState())) return "lock not granted within the lock timeout (gc retries later)";
      if ("2BP01".equals(e.getSQLState())) return "other objects depend on it: " + e.getMessage().replaceAll("\\s*\\n\\s*", " ");
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private static void testHook(String where) {
    String hook = System.getenv(TEST_HOOK_ENV);
    if (hook != null && hook.equals(where)) {
      System.err.println("geoswap: test hook: pausing " + where);
      sleep(Duration.ofMinutes(5));
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GeoswapException.temporary("interrupted", e);
    }
  }
}
