package io.geoswap.common.registry;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * The registry's side of publishing and retention, inside the caller's transaction (the swap-task owns the
 * transaction: its view change and these writes commit together): the pipeline's row, locked for a
 * compare-and-swap of its live version, and the statuses a publish and a drop move versions to.
 */
public final class Publications {
  private Publications() {}

  /** A pipeline's row as the swap read it under its lock: the view it publishes and its live version. */
  public record Pipeline(String name, String viewSchema, String viewName, String liveVersion) {}

  /**
   * Locks {@code pipeline} for a publish until the transaction ends (an advisory lock per pipeline, then its
   * row FOR UPDATE; the row is created for a first publish to {@code schema}.{@code view}) and reads it: the
   * compare half of the compare-and-swap.
   */
  public static Pipeline lock(Connection c, String pipeline, String schema, String view) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('geoswap.promote'), hashtext(?))")) {
      ps.setString(1, pipeline);
      ps.execute();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO geoswap.pipelines (pipeline, view_schema, view_name)"
        + " VALUES (?, ?, ?) ON CONFLICT (pipeline) DO NOTHING")) {
      ps.setString(1, pipeline);
      ps.setString(2, schema);
      ps.setString(3, view);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT live_version, view_schema, view_name FROM geoswap.pipelines WHERE pipeline = ? FOR UPDATE")) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Pipeline(pipeline, rs.getString(2), rs.getString(3), rs.getString(1));
      }
    }
  }

  /**
   * The swap half: {@code version} becomes the live version of {@code pipeline}, shown by
   * {@code schema}.{@code view}; {@code previous} (the live version read by {@link #lock}, or null) is retired.
   */
  public static void recordLive(Connection c, String pipeline, String version, String schema, String view,
      String previous) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.pipelines SET live_version = ?, view_schema = ?,"
        + " view_name = ?, updated_at = now() WHERE pipeline = ?")) {
      ps.setString(1, version);
      ps.setString(2, schema);
      ps.setString(3, view);
      ps.setString(4, pipeline);
      ps.executeUpdate();
    }
    // The caller checked the version's status under its row lock; a miss here is a bug, and rolls back.
    if (move(c, pipeline, version, VersionStatus.LIVE, ", promoted_at = now()") != 1) {
      throw new IllegalStateException("version " + version + " of " + pipeline + " can't become live from its"
          + " status (allowed from " + VersionStatus.into(VersionStatus.LIVE) + ")");
    }
    if (previous != null) {
      move(c, pipeline, previous, Set.of(VersionStatus.LIVE), VersionStatus.RETIRED, ", retired_at = now()");
    }
  }

  /**
   * The pipeline publishes nothing any more ({@code adopt --undo} gave the name back to the materialized
   * view): no live version, and the one that was live is retired.
   */
  public static void recordUnpublished(Connection c, String pipeline, String version) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.pipelines SET live_version = NULL,"
        + " updated_at = now() WHERE pipeline = ?")) {
      ps.setString(1, pipeline);
      ps.executeUpdate();
    }
    move(c, pipeline, version, Set.of(VersionStatus.LIVE), VersionStatus.RETIRED, ", retired_at = now()");
  }

  /** An adoption: {@code view} took over the name of a materialized view, now kept as {@code keptName}. */
  public record Adoption(String pipeline, String viewSchema, String viewName, String keptName, String version,
      boolean forced) {}

  public static void recordAdoption(Connection c, Adoption a) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO geoswap.adoptions (pipeline, view_schema, view_name,"
        + " kept_name, version, forced) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, a.pipeline());
      ps.setString(2, a.viewSchema());
      ps.setString(3, a.viewName());
      ps.setString(4, a.keptName());
      ps.setString(5, a.version());
      ps.setBoolean(6, a.forced());
      ps.executeUpdate();
    }
  }

  /** The pipeline's adoption that is not undone, if any. */
  public static java.util.Optional<Adoption> currentAdoption(Connection c, String pipeline) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT view_schema, view_name, kept_name, version, forced FROM"
        + " geoswap.adoptions WHERE pipeline = ? AND undone_at IS NULL ORDER BY adopted_at DESC LIMIT 1")) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? java.util.Optional.of(new Adoption(pipeline, rs.getString(1), rs.getString(2),
            rs.getString(3), rs.getString(4), rs.getBoolean(5))) : java.util.Optional.empty();
      }
    }
  }

  public static void recordUndone(Connection c, String pipeline) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.adoptions SET undone_at = now()"
        + " WHERE pipeline = ? AND undone_at IS NULL")) {
      ps.setString(1, pipeline);
      ps.executeUpdate();
    }
  }

  /** {@code version} was not promoted: older (logical date) than the live version. */
  public static void markSuperseded(Connection c, String pipeline, String version) throws SQLException {
    move(c, pipeline, version, VersionStatus.SUPERSEDED, "");
  }

  /**
   * {@code version}'s table is about to be dropped in this transaction: marks it dropped if its status is
   * still {@code expected} and it is not live. False when either changed meanwhile (drop nothing then).
   */
  public static boolean markDropped(Connection c, String pipeline, String version, VersionStatus expected)
      throws SQLException {
    expected.requireMoveTo(VersionStatus.DROPPED);
    try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.versions SET status = ?, dropped_at = now(),"
        + " updated_at = now() WHERE pipeline = ? AND version = ? AND status = ?"
        + " AND version IS DISTINCT FROM (SELECT live_version FROM geoswap.pipelines WHERE pipeline = ?)")) {
      ps.setString(1, VersionStatus.DROPPED.value());
      ps.setString(2, pipeline);
      ps.setString(3, version);
      ps.setString(4, expected.value());
      ps.setString(5, pipeline);
      return ps.executeUpdate() == 1;
    }
  }

  private static int move(Connection c, String pipeline, String version, VersionStatus to, String alsoSet)
      throws SQLException {
    return move(c, pipeline, version, VersionStatus.into(to), to, alsoSet);
  }

  /** Moves a version to {@code to} if its status is one of {@code from}; the rows changed (0 or 1). */
  private static int move(Connection c, String pipeline, String version, Set<VersionStatus> from, VersionStatus to,
      String alsoSet) throws SQLException {
    from.forEach(s -> s.requireMoveTo(to));
    try (PreparedStatement ps = c.prepareStatement("UPDATE geoswap.versions SET status = ?" + alsoSet
        + ", updated_at = now() WHERE pipeline = ? AND version = ? AND status = ANY (?)")) {
      ps.setString(1, to.value());
      ps.setString(2, pipeline);
      ps.setString(3, version);
      ps.setArray(4, statuses(c, from));
      return ps.executeUpdate();
    }
  }

  /** A text[] of statuses, to bind to {@code status = ANY (?)}. */
  static Array statuses(Connection c, Set<VersionStatus> statuses) throws SQLException {
    return c.createArrayOf("text", statuses.stream().map(VersionStatus::value).toArray());
  }
}
