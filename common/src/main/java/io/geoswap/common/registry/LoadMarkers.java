package io.geoswap.common.registry;

import io.geoswap.common.db.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The exactly-once ledger of a build's load ({@code geoswap.load_markers}, one row per build and Spark
 * partition): a partition's rows and its marker commit in one transaction. A later attempt of a partition
 * that already committed (a task retried after its commit, a speculative copy) finds the marker and writes
 * nothing; one that races an uncommitted attempt waits on the marker's unique key and then does the same
 * (PostgreSQL docs, "INSERT" → "ON CONFLICT Clause"). Static methods on a caller's connection: they run on
 * Spark executors, each partition on a connection of its own.
 */
public final class LoadMarkers {
  private LoadMarkers() {}

  /**
   * Writes one partition with {@code copy} (which returns the rows it wrote) in one transaction with its
   * marker, if build {@code buildId} of {@code pipeline}/{@code version} is still the current one. Returns
   * the rows written, or empty when an earlier attempt of the partition committed (nothing written). A build
   * that is no longer current (a zombie task of an abandoned build) writes nothing and fails the task.
   */
  public static OptionalLong writeOnce(Connection c, String pipeline, String version, UUID buildId, int partition,
      int attempt, Db.SqlWork<Long> copy) throws SQLException {
    return Db.transaction(c, conn -> {
      // The build must still be the current one: a zombie task must not write into the table a newer build
      // of the same version created. FOR SHARE also holds off a rebuild's re-registration until this
      // transaction ends.
      try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM geoswap.versions WHERE pipeline = ?"
          + " AND version = ? AND build_id = ? AND status = ? FOR SHARE")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        ps.setObject(3, buildId);
        ps.setString(4, VersionStatus.BUILDING.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new IllegalStateException("build " + buildId + " of " + pipeline + " " + version
                + " is no longer current; partition " + partition + " not written");
          }
        }
      }
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO geoswap.load_markers (build_id, partition_id,"
          + " attempt) VALUES (?, ?, ?) ON CONFLICT (build_id, partition_id) DO NOTHING")) {
        ps.setObject(1, buildId);
        ps.setInt(2, partition);
        ps.setInt(3, attempt);
        if (ps.executeUpdate() == 0) return OptionalLong.empty(); // nothing written: the commit ends the lock
      }
      long written = copy.run(conn);
      try (PreparedStatement ps = conn.prepareStatement(
          "UPDATE geoswap.load_markers SET rows = ? WHERE build_id = ? AND partition_id = ?")) {
        ps.setLong(1, written);
        ps.setObject(2, buildId);
        ps.setInt(3, partition);
        ps.executeUpdate();
      }
      return OptionalLong.of(written);
    });
  }

  /** Rows the partitions of a build committed. */
  static long committedRows(Connection c, UUID buildId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT coalesce(sum(rows), 0) FROM geoswap.load_markers WHERE build_id = ?")) {
      ps.setObject(1, buildId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Forgets a build's markers (its load was counted, or it ended). */
  static void delete(Connection c, UUID buildId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM geoswap.load_markers WHERE build_id = ?")) {
      ps.setObject(1, buildId);
      ps.executeUpdate();
    }
  }
}
