package io.geoswap.swap;

import io.geoswap.common.Names;
import io.geoswap.common.db.Catalog;
import io.geoswap.common.db.DbErrors;
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
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Drops what no one will publish: failed versions, abandoned builds (building for longer than
 * {@code olderThan} and no job holding their build lock), superseded versions older than that, and orphaned
 * tables named like versions but unknown to the registry. Never the live version, never a retained one,
 * never a table another object depends on.
 */
final class Gc {
  private final Connection c;
  private final Publisher publisher;

  Gc(Connection c, Publisher publisher) {
    this.c = c;
    this.publisher = publisher;
  }

  Map<String, Object> run(PipelineSpec spec, Duration olderThan) {
    try {
      String schema = spec.target().schema();
      VersionRegistry registry = new VersionRegistry(c);
      List<VersionRecord> versions = registry.list(spec.name());
      OffsetDateTime cutoff = OffsetDateTime.now().minus(olderThan);
      List<String> dropped = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      // Builds whose process is gone (build lock free), whatever their age: their tables are dropped and
      // they are marked failed (a build still running holds its lock and is left alone).
      Set<String> reclaimed = new java.util.HashSet<>();
      for (String r : registry.reclaimAbandonedBuilds(spec.name(), null, publisher.lockTimeout())) {
        reclaimed.add(r.substring(0, r.indexOf(' ')));
        dropped.add(r.substring(0, r.indexOf(' ')) + " (abandoned build)");
      }
      versions = registry.list(spec.name());
      for (VersionRecord v : versions) {
        boolean candidate = switch (v.status()) {
          case "failed" -> true;
          case "superseded" -> v.startedAt().isBefore(cutoff);
          default -> false;
        };
        if (!candidate) continue;
        String why = publisher.dropVersion(c, schema, v, v.status());
        if (why == null && !reclaimed.contains(v.version())) dropped.add(v.version() + " (" + v.status() + ")");
        else kept.add(v.version() + ": " + why);
      }
      Set<String> known = versions.stream().filter(v -> !v.status().equals("dropped"))
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
        List<String> deps = Catalog.dependents(c, schema, t);
        if (!deps.isEmpty()) {
          kept.add(t + ": used by " + deps);
          continue;
        }
        try (Statement st = c.createStatement()) {
          st.execute("SET lock_timeout = '2s'");
          st.execute("DROP TABLE IF EXISTS " + io.geoswap.common.Sql.qualified(schema, t));
          st.execute("RESET lock_timeout");
          dropped.add(t + " (orphan)");
        } catch (SQLException e) {
          kept.add(t + ": " + e.getMessage().replaceAll("\\s*\\n\\s*", " "));
        }
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
