package io.geoswap.swap;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.registry.VersionRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, before a swap, until no transaction holds a snapshot taken before the version was built. Such a
 * transaction (REPEATABLE READ or SERIALIZABLE) would, once the view points at the new table, read it with
 * a snapshot that can't see its rows: an empty view (catalog lookups ignore snapshots; PostgreSQL docs,
 * "13.5. Caveats"). {@code xact_start} bounds when a snapshot was taken from below: a transaction that
 * started after the build finished can only have a later snapshot.
 */
final class SnapshotGuard {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotGuard.class);
  private static final Duration POLL = Duration.ofMillis(100);

  private final Connection c;
  private final Duration maxWait;

  SnapshotGuard(Connection c, Duration maxWait) {
    this.c = c;
    this.maxWait = maxWait;
  }

  /**
   * Returns when no such transaction is left: what it waited for (seconds, pids), for the JSON result.
   * Gives up after {@code maxWait} as temporary (exit 75), having changed nothing.
   */
  Map<String, Object> await(VersionRecord rec) throws SQLException {
    OffsetDateTime builtAt = rec.finishedAt();
    Map<String, Object> report = new LinkedHashMap<>();
    if (builtAt == null) return report;
    long start = System.nanoTime();
    long deadline = start + maxWait.toNanos();
    List<Integer> seen = new ArrayList<>();
    while (true) {
      List<Integer> pids = olderSnapshots(builtAt);
      pids.stream().filter(p -> !seen.contains(p)).forEach(seen::add);
      if (pids.isEmpty()) break;
      if (System.nanoTime() > deadline) {
        throw GeoswapException.temporary("transactions " + pids + " hold snapshots older than version "
            + rec.version() + " after waiting " + maxWait.toSeconds() + " s; promoting now would show"
            + " them an empty view. The live version is unchanged", null);
      }
      if (seen.size() == pids.size() && report.isEmpty()) {
        LOG.info("waiting for transactions {} whose snapshots predate version {}", pids, rec.version());
      }
      Pause.sleep(POLL);
    }
    report.put("seconds", Math.round((System.nanoTime() - start) / 1e6) / 1e3);
    report.put("waited_for_pids", seen);
    return report;
  }

  /** Other sessions of this database whose transaction (and so snapshot) began before {@code builtAt}. */
  private List<Integer> olderSnapshots(OffsetDateTime builtAt) throws SQLException {
    List<Integer> pids = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE backend_xmin IS NOT NULL"
        + " AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()"
        + " AND xact_start < ?")) {
      ps.setObject(1, builtAt);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) pids.add(rs.getInt(1));
      }
    }
    return pids;
  }
}
