package io.geoswap.swap;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.Catalog;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.spec.PipelineSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a version, promote and rollback alike, in three steps: the {@link SnapshotGuard} (transactions
 * whose snapshot predates the load are waited for, bounded), the {@link ViewSwap} (one short
 * compare-and-swap transaction re-points the stable view, retried under the {@link RetryPolicy}), then
 * {@link Retention} (old versions beyond {@code retain} dropped in transactions of their own). When an
 * outcome is unknown nothing is dropped.
 */
public final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

  private final DbSettings db;
  private final SwapConfig config;
  private final RandomGenerator random;

  public Publisher(DbSettings db, SwapConfig config, RandomGenerator random) {
    this.db = db;
    this.config = config;
    this.random = random;
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

  public Outcome promote(PipelineSpec spec, String version, boolean force, boolean snapshotGuard) {
    return publish(spec, version, force, snapshotGuard, PublishMode.PROMOTE);
  }

  /** Re-points the view to a retained version ({@code to}, or the most recently promoted retired one). */
  public Outcome rollback(PipelineSpec spec, String to) {
    String target = to;
    if (target == null) {
      try (Connection c = Db.connect(db)) {
        VersionRegistry registry = new VersionRegistry(c);
        registry.ensureSchema();
        target = registry.list(spec.name()).stream().filter(v -> v.status() == VersionStatus.RETIRED)
            .filter(v -> v.promotedAt() != null)
            .max(Comparator.comparing(VersionRecord::promotedAt))
            .map(VersionRecord::version)
            .orElseThrow(() -> GeoswapException.usage("no retained version of " + spec.name() + " to roll back to"));
      } catch (SQLException e) {
        throw DbErrors.translate("finding the version to roll back to", e);
      }
    }
    return publish(spec, target, true, true, PublishMode.ROLLBACK);
  }

  private Outcome publish(PipelineSpec spec, String version, boolean force, boolean snapshotGuard, PublishMode mode) {
    try (Connection c = Db.connect(db.withApplicationName("geoswap-" + mode.label()))) {
      VersionRegistry registry = new VersionRegistry(c);
      registry.ensureSchema();
      registry.checkTarget(spec.name(), spec.target().schema(), spec.target().view());
      VersionRecord rec = registry.find(spec.name(), version).orElseThrow(() -> GeoswapException.usage(
          "version " + version + " of " + spec.name() + " is unknown to the registry"));
      if ("m".equals(Catalog.relkind(c, spec.target().schema(), spec.target().view()))) {
        // A materialized view that clients query by name: taken over only by adopt, after verify.
        String mv = spec.target().schema() + "." + spec.target().view();
        return new Outcome("not_adopted", spec.name(), version, null, 0, null, List.of(), List.of(), ExitCode.SKIPPED.code(),
            mv + " is a materialized view geoswap hasn't taken over: version " + version + " is built and validated"
            + " but not published; prove it with `verify --against " + mv + "`, then `adopt --matview " + mv
            + "` (README \"Migrating a materialized view\")");
      }
      Map<String, Object> waited = null;
      if (registry.liveVersion(spec.name()).filter(version::equals).isEmpty()) {
        mode.checkPublishable(rec);
        if (snapshotGuard) waited = new SnapshotGuard(c, config.snapshotWait()).await(rec);
      }
      ViewSwap.Result swap = new ViewSwap(c, config.retry(), config.statementTimeout(), random)
          .run(spec, version, force, mode);
      if (swap.action() == ViewSwap.Action.SUPERSEDED) {
        return new Outcome(swap.action().value(), spec.name(), version, swap.previous(), swap.attempts(), waited,
            List.of(), List.of(), ExitCode.SKIPPED.code(), swap.message());
      }
      TestHook.AFTER_COMMIT.pauseIfSet();
      List<String> dropped = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      new Retention(c, config.retry().lockTimeout()).dropBeyondRetention(spec, dropped, kept);
      LOG.info("{}: {} {} is live (previous: {}); dropped {}, kept {}", spec.name(), swap.action().value(), version,
          swap.previous(), dropped, kept);
      return new Outcome(swap.action().value(), spec.name(), version, swap.previous(), swap.attempts(), waited,
          dropped, kept, ExitCode.OK.code(), swap.message());
    } catch (SQLException e) {
      throw DbErrors.translate("closing the connection", e);
    }
  }
}
