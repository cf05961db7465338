package io.geoswap.swap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.Durations;
import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.cli.Cli;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.spec.Placeholders;
import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.common.spec.RunParams;
import io.geoswap.common.aws.S3SpecFiles;
import io.geoswap.common.spec.SpecLoader;
import io.geoswap.swap.compare.RelationComparison.Relation;
import io.geoswap.swap.compare.VersionDiff;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code swap-task validate|promote|rollback|gc|status --spec S …}: the publish half of geoswap. Database
 * settings from the PG* environment; each command's last stdout line is its JSON result; exit codes as in
 * the README.
 */
@Command(name = "swap-task", mixinStandardHelpOptions = true, subcommands = {
    SwapTaskMain.Validate.class, SwapTaskMain.Promote.class, SwapTaskMain.Rollback.class, SwapTaskMain.Gc_.class,
    SwapTaskMain.Status.class, Verify.class, Adopt.class},
    description = "Validate, publish and clean up geoswap versions.")
public final class SwapTaskMain implements Callable<Integer> {
  final Map<String, String> env;
  final PrintStream out;
  final PrintStream err;

  public SwapTaskMain() {
    this(System.getenv(), System.out, System.err);
  }

  /** For tests: another environment (PG* settings), stdout and stderr. */
  public SwapTaskMain(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    throw GeoswapException.usage("name a command: validate, promote, rollback, gc or status");
  }

  public static void main(String[] args) {
    // A TERM/INT/HUP before the result is printed still ends in one error line, a JSON line and exit 75.
    io.geoswap.common.cli.SignalReport report = io.geoswap.common.cli.SignalReport.install();
    int code = Cli.execute(new SwapTaskMain(), args);
    report.finished(code);
    System.exit(code);
  }

  /** Options every command has. */
  static final class Common {
    @Option(names = "--spec", required = true, description = "Pipeline spec (YAML file).")
    String spec;

    @Option(names = "--lock-timeout", defaultValue = SwapConfig.DEFAULT_LOCK_TIMEOUT,
        description = "How long one swap attempt waits for the view's lock (default ${DEFAULT-VALUE}).")
    String lockTimeout;

    @Option(names = "--statement-timeout", defaultValue = SwapConfig.DEFAULT_STATEMENT_TIMEOUT,
        description = "Bound on each statement (default ${DEFAULT-VALUE}).")
    String statementTimeout;

    @Option(names = "--max-attempts", defaultValue = "" + SwapConfig.DEFAULT_MAX_ATTEMPTS,
        description = "Swap attempts before exit 75 (default ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Mixin io.geoswap.common.cli.DbOptions db = new io.geoswap.common.cli.DbOptions();

    @Option(names = "--snapshot-wait", defaultValue = SwapConfig.DEFAULT_SNAPSHOT_WAIT,
        description = "How long to wait for transactions older than the version (default ${DEFAULT-VALUE}).")
    String snapshotWait;

    @Option(names = "--run-after", description = "When the orchestrator's run was due (Airflow's run_after), for"
        + " ${run_after} in checks, and ${logical_date} when the version was built without a logical date"
        + " (the registry's record of the build comes first).")
    String runAfter;

    SwapConfig config() {
      return SwapConfig.of(lockTimeout, statementTimeout, maxAttempts, SwapConfig.DEFAULT_BACKOFF_BASE,
          SwapConfig.DEFAULT_BACKOFF_MAX, snapshotWait);
    }

    /** The spec; every command loads it first, so a malformed --run-after is refused (exit 2) before anything runs. */
    PipelineSpec loadSpec(Map<String, String> env) {
      RunParams.parseTimestamp("--run-after", runAfter);
      return new SpecLoader(new S3SpecFiles(db.aws(env))).load(spec);
    }
  }

  abstract static class Sub implements Callable<Integer> {
    @ParentCommand SwapTaskMain main;
    @Mixin Common common;

    DbSettings db(String app) {
      return common.db.resolve(main.env, app);
    }

    void print(Object json) {
      Cli.printJson(main.out, json);
    }
  }

  @Command(name = "validate", description = "Run the spec's checks against a version; record the report.")
  static final class Validate extends Sub {
    @Option(names = "--version", required = true) String version;
    @Option(names = "--data-interval-start") String dataIntervalStart;
    @Option(names = "--data-interval-end") String dataIntervalEnd;
    @Option(names = "--report", description = "A folder or s3://bucket/prefix for the change report against the"
        + " live version: <name>-<version>.html (the page to review) and .json.")
    String report;

    @Override
    public Integer call() {
      PipelineSpec spec = common.loadSpec(main.env);
      ReportOutput output = report == null ? null : new ReportOutput(report, common.db.aws(main.env));
      RunParams params = RunParams.of(version, null, dataIntervalStart, dataIntervalEnd, null, common.runAfter);
      try (Connection c = Db.connect(db("geoswap-validate"))) {
        VersionRegistry registry = new VersionRegistry(c);
        registry.ensureSchema();
        registry.checkTarget(spec.name(), spec.target().schema(), spec.target().view());
        VersionRecord rec = registry.find(spec.name(), version).orElseThrow(() -> GeoswapException.usage(
            "version " + version + " of " + spec.name() + " is unknown to the registry"));
        if (rec.status() == VersionStatus.BUILDING) {
          throw GeoswapException.temporary("version " + version + " is still building", null);
        }
        Optional<VersionRecord> live = registry.liveVersion(spec.name()).flatMap(v -> registry.find(spec.name(), v));
        ValidationReport report = new Validator(c, spec.checks().timeout())
            .validate(spec, rec, live, checkPlaceholders(rec, params));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", (report.passed() ? VersionStatus.VALIDATED : VersionStatus.FAILED).value());
        json.put("pipeline", spec.name());
        json.put("version", version);
        json.put("logical_date", RunParams.render(rec.logicalDate()));
        json.put("run_after", RunParams.render(runAfter(rec, params)));
        json.put("date_source", RunParams.dateSource(rec.logicalDate(), runAfter(rec, params)));
        json.put("table", report.table());
        json.put("checks", report.checksJson());
        VersionDiff diff = report.diff();
        String diffJson = diff == null ? null : Cli.toJson(diff.toJson());
        VersionStatus status = registry.recordValidation(spec.name(), version, Cli.toJson(json), diffJson, report.passed());
        for (ValidationReport.Check check : report.checks()) {
          main.err.printf("  %-20s %-8s observed=%s%s%n", check.name(), check.status(), check.observed(),
              check.detail() == null ? "" : "  " + check.detail());
        }
        if (diff != null) {
          main.err.println("  changed: " + diff.summary());
          json.put("diff", diff.resultSummary());
        }
        if (output != null && diff != null) {
          String failed = String.join(", ", report.failures().stream().map(ValidationReport.Check::name).toList());
          String page = output.writeComparison(c, spec.name() + "-" + version,
              spec.name() + ": version " + version + " against live " + diff.liveVersion(),
              report.passed() ? "passed: every check, " + diff.summary() : "failed: " + failed + "; " + diff.summary(),
              diff.report(), new Relation(rec.tableSchema(), rec.tableName()),
              new Relation(spec.target().schema(), live.get().tableName()),
              spec.target().geometry() == null ? null : spec.target().geometry().column(),
              spec.checks().diffGeometryTolerance(), diffJson);
          main.err.println("  report: " + page);
          json.put("report", page);
        } else if (output != null) {
          main.err.println("  report: none (no live version to compare with)");
        }
        json.put("version_status", status == null ? null : status.value());
        if (!report.passed()) {
          String failed = String.join(", ", report.failures().stream().map(ValidationReport.Check::name).toList());
          main.err.println("geoswap: error: validation of " + spec.name() + " version " + version + " failed: " + failed);
          json.put("exit_code", report.hasSpecErrors() ? ExitCode.USAGE.code() : ExitCode.DATA.code());
          json.put("error", "checks failed: " + failed);
          print(json);
          return report.hasSpecErrors() ? ExitCode.USAGE.code() : ExitCode.DATA.code();
        }
        print(json);
        return ExitCode.OK.code();
      } catch (SQLException e) {
        throw io.geoswap.common.db.DbErrors.translate("closing the connection", e);
      }
    }
  }

  /** The build's run_after as the registry recorded it, else --run-after (a build recorded none). */
  static java.time.OffsetDateTime runAfter(VersionRecord rec, RunParams params) {
    return rec.runAfter() != null ? rec.runAfter() : params.runAfter();
  }

  /**
   * The placeholder values the checks get beside those the {@link Validator} takes from the version's record
   * ({@code ${logical_date}} when the build had one, {@code ${table}}, {@code ${version}}): the dates the
   * build used, so a check sees the cutoff the build saw. A build without a logical date used its run_after
   * for {@code ${logical_date}}; so do its checks. {@code ${source_rows.<source>}}: the rows the build read.
   */
  static Map<String, String> checkPlaceholders(VersionRecord rec, RunParams params) {
    Map<String, String> values = new java.util.HashMap<>(params.placeholders());
    java.time.OffsetDateTime runAfter = runAfter(rec, params);
    if (runAfter != null) values.put("run_after", RunParams.render(runAfter));
    java.time.OffsetDateTime logical = RunParams.effectiveLogicalDate(rec.logicalDate(), runAfter);
    if (logical != null) values.put("logical_date", RunParams.render(logical));
    rec.sourceRows().forEach((source, rows) -> values.put(Placeholders.SOURCE_ROWS + source, Long.toString(rows)));
    return values;
  }

  @Command(name = "promote", description = "Point the view at a validated version.")
  static final class Promote extends Sub {
    @Option(names = "--version", required = true) String version;
    // arity 0..1: `--force` or `--force=true|false`, so a templated command (ECS) can always pass it.
    @Option(names = "--force", arity = "0..1", fallbackValue = "true",
        description = "Promote even if its logical date is older than the live one's.")
    boolean force;
    @Option(names = "--skip-snapshot-guard", hidden = true,
        description = "UNSAFE, for tests: don't wait for transactions older than the version.")
    boolean skipSnapshotGuard;

    @Override
    public Integer call() {
      PipelineSpec spec = common.loadSpec(main.env);
      Publisher.Outcome o = new Publisher(db("geoswap-promote"), common.config(), new SecureRandom())
          .promote(spec, version, force, !skipSnapshotGuard);
      if (o.exitCode() == ExitCode.SKIPPED.code()) main.err.println("geoswap: skipped: " + o.message());
      print(o.toJson());
      return o.exitCode();
    }
  }

  @Command(name = "rollback", description = "Point the view back at a retained version.")
  static final class Rollback extends Sub {
    @Option(names = "--to", description = "The version (default: the newest retained one).") String to;

    @Override
    public Integer call() {
      PipelineSpec spec = common.loadSpec(main.env);
      Publisher.Outcome o = new Publisher(db("geoswap-rollback"), common.config(), new SecureRandom()).rollback(spec, to);
      print(o.toJson());
      return o.exitCode();
    }
  }

  @Command(name = "gc", description = "Drop failed, abandoned and orphaned version tables.")
  static final class Gc_ extends Sub {
    @Option(names = "--older-than", defaultValue = "24h",
        description = "Builds running longer than this are abandoned (default ${DEFAULT-VALUE}).")
    String olderThan;

    @Override
    public Integer call() {
      PipelineSpec spec = common.loadSpec(main.env);
      Duration d = Durations.parseOrNull(olderThan);
      if (d == null || d.isNegative()) throw GeoswapException.usage("--older-than: '" + olderThan + "' is not a duration");
      try (Connection c = Db.connect(db("geoswap-gc"))) {
        new VersionRegistry(c).ensureSchema();
        Map<String, Object> result = new Gc(c, new Retention(c, common.config().retry().lockTimeout())).run(spec, d);
        main.err.println("dropped: " + result.get("dropped") + "; kept: " + result.get("kept"));
        print(result);
        return ExitCode.OK.code();
      } catch (SQLException e) {
        throw io.geoswap.common.db.DbErrors.translate("closing the connection", e);
      }
    }
  }

  @Command(name = "status", description = "Live version, retained versions and recent runs.")
  static final class Status extends Sub {
    @Option(names = "--json", description = "Print only the JSON.") boolean json;

    @Override
    public Integer call() {
      PipelineSpec spec = common.loadSpec(main.env);
      try (Connection c = Db.connect(db("geoswap-status"))) {
        VersionRegistry registry = new VersionRegistry(c);
        registry.ensureSchema();
        Optional<String> live = registry.liveVersion(spec.name());
        List<VersionRecord> versions = registry.list(spec.name());
        ObjectMapper mapper = new ObjectMapper();
        List<Map<String, Object>> runs = versions.stream().limit(20).map(v -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("version", v.version());
          m.put("status", v.status().value());
          m.put("rows", v.rowsWritten());
          m.put("logical_date", v.logicalDate() == null ? null : RunParams.render(v.logicalDate()));
          m.put("run_after", RunParams.render(v.runAfter()));
          m.put("date_source", RunParams.dateSource(v.logicalDate(), v.runAfter()));
          m.put("started_at", v.startedAt() == null ? null : v.startedAt().toString());
          if (v.validationJson() != null) {
            try {
              var checks = mapper.readTree(v.validationJson()).get("checks");
              List<String> failed = new java.util.ArrayList<>();
              checks.forEach(ch -> {
                if (!List.of("passed", "skipped").contains(ch.get("status").asText())) failed.add(ch.get("name").asText());
              });
              m.put("checks", Map.of("total", checks.size(), "failed", failed));
            } catch (Exception e) {
              m.put("checks", "unreadable");
            }
          }
          if (v.error() != null) m.put("error", v.error());
          return m;
        }).toList();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "ok");
        out.put("pipeline", spec.name());
        out.put("view", spec.target().schema() + "." + spec.target().view());
        out.put("live", live.orElse(null));
        out.put("retained", versions.stream().filter(v -> v.status() == VersionStatus.RETIRED).map(VersionRecord::version).toList());
        out.put("runs", runs);
        // A materialized view adopt took over is kept (not dropped) until someone drops it by hand.
        var adoption = io.geoswap.common.registry.Publications.currentAdoption(c, spec.name());
        adoption.ifPresent(a -> out.put("kept_matview", a.viewSchema() + "." + a.keptName()));
        var lastDiff = registry.lastDiff(spec.name());
        String diffLine = null;
        if (lastDiff.isPresent()) {
          Map<String, Object> d = new LinkedHashMap<>();
          d.put("version", lastDiff.get().version());
          try {
            var tree = mapper.readTree(lastDiff.get().json());
            for (String k : List.of("against_version", "added", "removed", "changed", "key_count", "changed_pct", "summary")) {
              if (tree.has(k)) d.put(k, mapper.treeToValue(tree.get(k), Object.class));
            }
            diffLine = lastDiff.get().version() + ": " + tree.path("summary").asText();
          } catch (Exception e) {
            d.put("diff", "unreadable");
          }
          out.put("last_diff", d);
        }
        if (!json) {
          main.out.printf("%s  view %s  live: %s  retained: %s%s%n", spec.name(), out.get("view"), out.get("live"),
              out.get("retained"), adoption.map(a -> "  kept materialized view: " + a.viewSchema() + "." + a.keptName()).orElse(""));
          if (diffLine != null) main.out.println("last diff: version " + diffLine);
          main.out.printf("%-20s %-11s %10s  %-22s %s%n", "version", "status", "rows", "logical date", "checks");
          for (Map<String, Object> r : runs) {
            // A run without a logical date shows the run_after its ${logical_date} was.
            Object date = r.get("logical_date") != null || r.get("run_after") == null ? r.get("logical_date")
                : r.get("run_after") + " (run_after)";
            main.out.printf("%-20s %-11s %10s  %-22s %s%n", r.get("version"), r.get("status"), r.get("rows"),
                date, r.getOrDefault("checks", ""));
          }
        }
        print(out);
        return ExitCode.OK.code();
      } catch (SQLException e) {
        throw io.geoswap.common.db.DbErrors.translate("closing the connection", e);
      }
    }
  }
}
