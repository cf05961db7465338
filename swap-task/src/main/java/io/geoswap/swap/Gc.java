package io.geoswap.swap;

import io.geoswap.common.Names;
import io.geoswap.common.db.Catalog;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.spec.PipelineSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Drops what no one will publish: abandoned builds (building, and no job holding their build lock, whatever
 * their age), failed versions, superseded versions started before {@code olderThan}, and orphaned tables
 * named like versions but unknown to the registry. Never the live version, never a retained one, never a
 * table another object depends on ({@link Retention} drops them).
 */
final class Gc {
  private final Connection c;
  private final Retention retention;

  Gc(Connection c, Retention retention) {
    this.c = c;
    this.retention = retention;
  }

  Map<String, Object> run(PipelineSpec spec, Duration olderThan) {
    try {
      String schema = spec.target().schema();
      VersionRegistry registry = new VersionRegistry(c);
      OffsetDateTime cutoff = OffsetDateTime.now().minus(olderThan);
      List<String> dropped = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      // Builds whose process is gone (build lock free), whatever their age: their tables are dropped and
      // they are marked failed (a build still running holds its lock and is left alone).
      Set<String> reclaimed = new HashSet<>();
      for (VersionRegistry.Reclaimed r : registry.reclaimAbandonedBuilds(spec.name(), null, retention.lockTimeout())) {
        reclaimed.add(r.version());
        dropped.add(r.version() + " (abandoned build)");
      }
      List<VersionRecord> versions = registry.list(spec.name());
      for (VersionRecord v : versions) {
        boolean candidate = switch (v.status()) {
          case FAILED -> true;
          case SUPERSEDED -> v.startedAt().isBefore(cutoff);
          default -> false;
        };
        if (!candidate) continue;
        String why = retention.dropVersion(schema, v, v.status());
        if (why != null) kept.add(v.version() + ": " + why);
        else if (!reclaimed.contains(v.version())) dropped.add(v.version() + " (" + v.status() + ")");
      }
      Set<String> known = versions.stream().filter(v -> v.status() != VersionStatus.DROPPED)
          .map(VersionRecord::tableName).collect(Collectors.toSet());
      var pattern = Names.versionTablePattern(spec.name());
      List<String> orphans = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p') ORDER BY c.relname")) {
        ps.setString(1, schema);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String t = rs.getString(1);
            if (pattern.matcher(t).matches() && !known.contains(t)) orphans.add(t);
          }
        }
      }
      for (String t : orphans) {
        String why = retention.dropOrphan(schema, t);
        if (why == null) dropped.add(t + " (orphan)");
        else kept.add(t + ": " + why);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("status", "ok");
      out.put("pipeline", spec.name());
      out.put("dropped", dropped);
      out.put("kept", kept);
      return out;
    } catch (SQLException e) {
      throw DbErrors.translate("gc of " + spec.name(), e);
    }
  }
}
