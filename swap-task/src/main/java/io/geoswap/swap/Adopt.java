package io.geoswap.swap;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.cli.Cli;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.registry.Publications;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.registry.Verifications;
import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.swap.compare.RelationComparison.Relation;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code adopt --spec S --matview SCHEMA.MV [--version V] [--force] [--undo]}: the cutover from a
 * materialized view to geoswap, in one short transaction under promote's lock discipline (the snapshot
 * guard first; the pipeline's advisory lock, lock and statement timeouts, retries with backoff). The
 * materialized view is renamed out of the way and kept; a view of the same name on the version takes over
 * its owner, grants and comment; dependent plain views are re-created on it (see {@link Adoption}).
 */
@Command(name = "adopt", description = "Take over a materialized view's name with a verified version (or give it back: --undo).")
final class Adopt extends SwapTaskMain.Sub {
  @Option(names = "--matview", required = true, description = "SCHEMA.MV: the materialized view to take over (the spec's target.schema.view).")
  String matview;

  @Option(names = "--version", description = "The version (default: the newest validated one).")
  String version;

  @Option(names = "--force", description = "Adopt without a matching verify against the materialized view (said in the result).")
  boolean force;

  @Option(names = "--undo", description = "Give the name back to the kept materialized view.")
  boolean undo;

  @Override
  public Integer call() {
    PipelineSpec spec = common.loadSpec(main.env);
    Relation mv = Relation.parse(matview, "--matview");
    if (!(mv.schema().equals(spec.target().schema()) && mv.name().equals(spec.target().view()))) {
      throw GeoswapException.usage("--matview " + mv + " must be the spec's view " + spec.target().schema() + "."
          + spec.target().view() + ": adopt publishes the pipeline under the materialized view's name");
    }
    SwapConfig config = common.config();
    try (Connection c = Db.connect(db("geoswap-adopt"))) {
      VersionRegistry registry = new VersionRegistry(c);
      registry.ensureSchema();
      registry.checkTarget(spec.name(), mv.schema(), mv.name());
      Map<String, Object> json = undo ? undo(c, spec, mv, config) : adopt(c, registry, spec, mv, config);
      Cli.printJson(main.out, json);
      return ExitCode.OK.code();
    } catch (SQLException e) {
      throw DbErrors.translate("adopt of " + mv, e);
    }
  }

  private Map<String, Object> adopt(Connection c, VersionRegistry registry, PipelineSpec spec, Relation mv,
      SwapConfig config) throws SQLException {
    String kind = io.geoswap.common.db.Catalog.relkind(c, mv.schema(), mv.name());
    if (!"m".equals(kind)) {
      throw GeoswapException.usage(mv + (kind == null ? " does not exist" : " is not a materialized view (relkind "
          + kind + ")" + ("v".equals(kind) ? "; adopted already? (status shows a kept materialized view)" : "")));
    }
    VersionRecord rec = version != null
        ? registry.find(spec.name(), version).orElseThrow(() -> GeoswapException.usage(
            "version " + version + " of " + spec.name() + " is unknown to the registry"))
        : registry.list(spec.name()).stream().filter(v -> v.status() == VersionStatus.VALIDATED).findFirst()
            .orElseThrow(() -> GeoswapException.usage("no validated version of " + spec.name()
                + " to adopt with: run the pipeline first (./geoswap run … --no-promote)"));
    if (rec.status() != VersionStatus.VALIDATED) {
      throw GeoswapException.usage("version " + rec.version() + " of " + spec.name() + " is " + rec.status().value()
          + ", not validated: adopt takes a validated version");
    }
    var verification = new Verifications(c).find(spec.name(), rec.version(), mv.toString());
    if (!force && (verification.isEmpty() || !verification.get().matched())) {
      throw GeoswapException.usage("version " + rec.version() + " of " + spec.name()
          + (verification.isEmpty() ? " has not been verified against " + mv : " differs from " + mv + " (verify found differences)")
          + ": run `verify --spec … --against " + mv + " --version " + rec.version() + "` until it matches, or adopt --force");
    }
    // Validate, then commit: refuse what can't be moved before waiting for anything.
    Relation table = new Relation(rec.tableSchema(), rec.tableName());
    Db.transaction(c, conn -> Adoption.plan(conn, mv, table));
    Map<String, Object> waited = new SnapshotGuard(c, config.snapshotWait()).await(rec);
    Adoption.Plan plan = retried(config, mv, attempt -> Db.transaction(c, conn -> {
      Db.setLocalTimeout(conn, "lock_timeout", config.retry().lockTimeout());
      Db.setLocalTimeout(conn, "statement_timeout", config.statementTimeout());
      Publications.Pipeline p = Publications.lock(conn, spec.name(), mv.schema(), mv.name());
      if (p.liveVersion() != null) {
        throw GeoswapException.usage("pipeline " + spec.name() + " is live already (version " + p.liveVersion()
            + "): " + mv + " was adopted before");
      }
      Adoption.Plan pl = Adoption.plan(conn, mv, table);
      Adoption.apply(conn, pl);
      Publications.recordLive(conn, spec.name(), rec.version(), mv.schema(), mv.name(), null);
      Publications.recordAdoption(conn, new Publications.Adoption(spec.name(), mv.schema(), mv.name(),
          pl.keptName(), rec.version(), force && (verification.isEmpty() || !verification.get().matched())));
      TestHook.IN_SWAP.pauseIfSet();
      return pl;
    }));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("status", "adopted");
    json.put("pipeline", spec.name());
    json.put("version", rec.version());
    json.put("view", mv.toString());
    json.put("kept", mv.schema() + "." + plan.keptName());
    json.put("views_recreated", plan.views().stream().map(Adoption.DependentView::name).toList());
    json.put("grants", plan.grantStatements().size());
    json.put("owner", plan.owner());
    if (force && (verification.isEmpty() || !verification.get().matched())) {
      json.put("forced", true);
      main.err.println("geoswap: adopted WITHOUT a matching verify (--force)");
    }
    if (waited != null && !waited.isEmpty()) json.put("waited_for_snapshots", waited);
    main.err.printf("adopted %s: now a view on %s; the materialized view is kept as %s.%s%n", mv, table,
        mv.schema(), plan.keptName());
    return json;
  }

  private Map<String, Object> undo(Connection c, PipelineSpec spec, Relation mv, SwapConfig config) throws SQLException {
    Publications.Adoption a = Publications.currentAdoption(c, spec.name()).orElseThrow(() -> GeoswapException.usage(
        "pipeline " + spec.name() + " has no adoption to undo"));
    String live = retried(config, mv, attempt -> Db.transaction(c, conn -> {
      Db.setLocalTimeout(conn, "lock_timeout", config.retry().lockTimeout());
      Db.setLocalTimeout(conn, "statement_timeout", config.statementTimeout());
      Publications.Pipeline p = Publications.lock(conn, spec.name(), mv.schema(), mv.name());
      Adoption.undo(conn, mv, a.keptName());
      if (p.liveVersion() != null) Publications.recordUnpublished(conn, spec.name(), p.liveVersion());
      Publications.recordUndone(conn, spec.name());
      return p.liveVersion();
    }));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("status", "undone");
    json.put("pipeline", spec.name());
    json.put("matview", mv.toString());
    json.put("retired", live);
    main.err.printf("%s is the materialized view again; version %s retired%n", mv, live);
    return json;
  }

  /** Runs {@code attempt} under the swap's retry policy (as promote's swap): lock timeouts are retried with backoff. */
  private static <T> T retried(SwapConfig config, Relation mv, RetryPolicy.Attempt<T> attempt) {
    return config.retry().run(attempt, "adopt of " + mv, attempts -> "could not lock " + mv + " within " + attempts
        + " attempts of lock_timeout " + config.retry().lockTimeout().toMillis() + " ms; nothing changed",
        new SecureRandom());
  }
}
