package io.geoswap.swap;

import io.geoswap.common.db.Catalog;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.db.Db;
import io.geoswap.common.registry.Publications;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.spec.PipelineSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The compare-and-swap that publishes a version: one short transaction re-points the stable view to the
 * version's table and records it live, retried under a {@link RetryPolicy}.
 * <ul>
 *   <li>a per-pipeline lock, then compare-and-swap on the live version read under it
 *       ({@link Publications#lock});
 *   <li>{@code SET LOCAL lock_timeout} (and {@code statement_timeout}): readers queue behind the swap's ACCESS
 *       EXCLUSIVE request at most that long; on timeout the attempt rolls back and is retried;
 *   <li>{@code CREATE OR REPLACE VIEW … AS SELECT <explicit columns>}: keeps the view's OID, owner, grants and
 *       dependent views (PostgreSQL docs, "CREATE VIEW"); a table whose columns can't replace the view's is
 *       refused with the differences listed.
 * </ul>
 */
final class ViewSwap {
  /** What a swap did. */
  enum Action {
    /** promote re-pointed the view to the version. */
    PROMOTED,
    /** rollback re-pointed the view to a version that was live before. */
    ROLLED_BACK,
    /** the version was live already: nothing changed (retention still runs). */
    ALREADY_LIVE,
    /** not promoted: older (logical date) than the live version; recorded as superseded (exit 99). */
    SUPERSEDED;

    /** As the JSON result's {@code status}. */
    String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A swap's outcome: what it did, the version live before, a message (or null) and the attempts it took. */
  record Result(Action action, String previous, String message, int attempts) {}

  private final Connection c;
  private final RetryPolicy retry;
  private final Duration statementTimeout;
  private final RandomGenerator random;

  ViewSwap(Connection c, RetryPolicy retry, Duration statementTimeout, RandomGenerator random) {
    this.c = c;
    this.retry = retry;
    this.statementTimeout = statementTimeout;
    this.random = random;
  }

  /** Swaps, retrying while the view's lock isn't granted in time; exit 75 when the attempts run out. */
  Result run(PipelineSpec spec, String version, boolean force, PublishMode mode) {
    return retry.run(attempt -> once(spec, version, force, mode, attempt), mode.label() + " of " + version,
        attempts -> "could not lock view " + spec.target().schema() + "." + spec.target().view() + " within "
            + attempts + " attempts of lock_timeout " + retry.lockTimeout().toMillis()
            + " ms (a long reader holds it?); the live version is unchanged", random);
  }

  /** One attempt, one transaction. Throws SQLException 55P03 when a lock isn't granted in time. */
  private Result once(PipelineSpec spec, String version, boolean force, PublishMode mode, int attempt)
      throws SQLException {
    String schema = spec.target().schema();
    String view = spec.target().view();
    return Db.transaction(c, conn -> {
      // Local: the timeouts end with this transaction (PostgreSQL docs, "SET").
      Db.setLocalTimeout(conn, "lock_timeout", retry.lockTimeout());
      Db.setLocalTimeout(conn, "statement_timeout", statementTimeout);
      Publications.Pipeline pipeline = Publications.lock(conn, spec.name(), schema, view);
      String live = pipeline.liveVersion();
      // Checked before (checkTarget) and again under the lock: never re-point another view.
      if (live != null && !(schema.equals(pipeline.viewSchema()) && view.equals(pipeline.viewName()))) {
        throw GeoswapException.usage("pipeline " + spec.name() + " is published as view " + pipeline.viewSchema()
            + "." + pipeline.viewName() + " but its spec now says " + schema + "." + view + "; nothing changed");
      }
      if (version.equals(live)) {
        return new Result(Action.ALREADY_LIVE, live, "version " + version + " is already live", attempt);
      }
      VersionRecord rec = VersionRegistry.find(conn, spec.name(), version, true).orElseThrow();
      mode.checkPublishable(rec);
      Optional<VersionRecord> liveRec = live == null ? Optional.empty() : VersionRegistry.find(conn, spec.name(), live, true);
      String older = mode == PublishMode.PROMOTE && !force ? PublishMode.olderThanLive(rec, liveRec.orElse(null)) : null;
      if (older != null) {
        Publications.markSuperseded(conn, spec.name(), version);
        return new Result(Action.SUPERSEDED, live, older, attempt);
      }
      replaceView(conn, schema, view, version, rec.tableName());
      Publications.recordLive(conn, spec.name(), version, schema, view, live);
      TestHook.IN_SWAP.pauseIfSet();
      return new Result(mode.action, live, null, attempt);
    });
  }

  /** Points {@code schema.view} at the version's table, if its columns can replace the view's. */
  private static void replaceView(Connection conn, String schema, String view, String version, String table)
      throws SQLException {
    if (!Catalog.exists(conn, schema, table)) {
      throw GeoswapException.usage("table " + schema + "." + table + " of version " + version + " is missing");
    }
    List<Catalog.Column> tableColumns = Catalog.columns(conn, schema, table);
    String kind = Catalog.relkind(conn, schema, view);
    if (kind != null && !kind.equals("v")) {
      throw GeoswapException.usage(schema + "." + view + " exists and is not a view (relkind " + kind
          + "); rename it, geoswap publishes through a view of that name");
    }
    if (kind != null) {
      List<String> drift = Catalog.driftProblems(Catalog.columns(conn, schema, view), tableColumns);
      if (!drift.isEmpty()) {
        throw GeoswapException.data("version " + version + " can't replace the columns of view " + schema + "."
            + view + ": " + String.join("; ", drift) + " (PostgreSQL only lets a view append columns; the view is unchanged)");
      }
    }
    String columns = tableColumns.stream().map(col -> Sql.ident(col.name())).collect(Collectors.joining(", "));
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE OR REPLACE VIEW " + Sql.qualified(schema, view) + " AS SELECT " + columns + " FROM "
          + Sql.qualified(schema, table));
    }
    // A view adopt gave the materialized view's owner must be able to read each new version table.
    ViewOwner.mayRead(conn, ViewOwner.of(conn, Sql.qualified(schema, view)), Sql.qualified(schema, table));
  }
}
