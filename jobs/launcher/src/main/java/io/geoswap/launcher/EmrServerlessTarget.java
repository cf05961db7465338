package io.geoswap.launcher;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Names;
import io.geoswap.common.aws.AwsOptions;
import io.geoswap.common.cli.Cli;
import io.geoswap.common.cli.DurationConverter;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.spec.RunParams;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run emr-serverless}: the job jar as an EMR Serverless job run (see {@link EmrLauncher}), then the
 * version as the registry has it: the row count, and the job's own exit code when the run failed.
 */
@Command(name = "emr-serverless", mixinStandardHelpOptions = true,
    description = "Run the job on EMR Serverless and wait for it; a second launcher for the same version reattaches.")
final class EmrServerlessTarget extends TargetCommand {
  @Option(names = "--job-jar", description = "The shaded job jar: an s3:// URI, or local:///… in a custom EMR image.") String jobJar;
  @Option(names = "--application-id") String applicationId;
  @Option(names = "--execution-role-arn") String executionRoleArn;
  @Option(names = "--log-uri", description = "S3 URI for the run's logs.") String logUri;
  @Option(names = "--cloudwatch-log-group") String cloudWatchLogGroup;
  @Option(names = "--poll-interval", defaultValue = "10s", converter = DurationConverter.class) Duration pollInterval;
  @Option(names = "--timeout", defaultValue = "2h", converter = DurationConverter.class,
      description = "Cancel the run after this (default ${DEFAULT-VALUE}).") Duration timeout;
  @Option(names = "--cancel-wait", defaultValue = "5m", converter = DurationConverter.class) Duration cancelWait;
  @Option(names = "--tag", description = "Extra tag key=value (repeatable).") List<String> tags = new ArrayList<>();
  @Option(names = "--dag-id") String dagId;
  @Option(names = "--dag-run-id") String dagRunId;

  @Override
  public Integer call() {
    String version = job.version();
    List<String> problems = new ArrayList<>();
    if (applicationId == null) problems.add("--application-id is required");
    if (executionRoleArn == null) problems.add("--execution-role-arn is required");
    // s3:// (default), or local:// inside a custom EMR Serverless image (docker/emr/Dockerfile).
    if (jobJar == null || !(jobJar.startsWith("s3://") || jobJar.startsWith("local:///"))) {
      problems.add("--job-jar must be the job jar's s3:// URI (or local:///… in a custom EMR image)");
    }
    if (!job.spec.startsWith("s3://")) problems.add("--spec must be an s3:// URI the job can read");
    if (job.db.secretId == null) problems.add("--db-secret-id is required (the job on EMR reads its database settings from it)");
    if (pollInterval.isZero() || pollInterval.isNegative()) problems.add("--poll-interval must be a positive duration");
    if (timeout.isZero() || timeout.isNegative()) problems.add("--timeout must be a positive duration");
    if (cancelWait.isNegative()) problems.add("--cancel-wait must not be negative");
    if (!problems.isEmpty()) throw GeoswapException.usage("emr-serverless: " + String.join("; ", problems));
    String pipeline = pipelineName();
    AwsOptions aws = job.db.aws(env());
    // The launcher reads the registry for the row count and failure code: same credentials as the job.
    DbSettings settings = job.db.resolve(env(), "geoswap-launcher");
    Map<String, String> runTags = new LinkedHashMap<>();
    runTags.put("geoswap:pipeline", pipeline);
    runTags.put("geoswap:version", version);
    if (dagId != null) runTags.put("airflow:dag_id", dagId);
    if (dagRunId != null) runTags.put("airflow:run_id", dagRunId);
    for (String t : tags) {
      int eq = t.indexOf('=');
      if (eq < 1) throw GeoswapException.usage("--tag '" + t + "' is not key=value");
      runTags.put(t.substring(0, eq), t.substring(eq + 1));
    }
    String submitParameters = "--class " + JOB_CLASS
        + job.submittedSparkConf().stream().map(c -> " --conf " + c).reduce("", String::concat)
        + " --conf spark.emr-serverless.driverEnv.SCARF_NO_ANALYTICS=true";
    JobRuns.StartRequest request = new JobRuns.StartRequest("geoswap-" + pipeline + "-" + version, null, jobJar,
        job.jobArgs(false), submitParameters, runTags, logUri, cloudWatchLogGroup);
    try (EmrServerlessJobRuns runs = new EmrServerlessJobRuns(aws, applicationId, executionRoleArn)) {
      EmrLauncher launcher = new EmrLauncher(runs, new EmrLauncher.Settings(pollInterval, timeout, cancelWait),
          System::nanoTime, d -> Thread.sleep(d.toMillis()));
      // SIGTERM/SIGINT run this hook while the main thread may still be polling, and may see the run it
      // cancels end: one lock decides who reports, so the last stdout line always matches the exit code.
      Object reporting = new Object();
      Thread onSignal = new Thread(() -> {
        synchronized (reporting) {
          launcher.current().ifPresent(r -> {
            System.err.println("geoswap: stopping: cancelling job run " + r.id());
            JobRuns.Run after = launcher.cancelAndWait(r.id());
            Cli.printJson(out(), Map.of("status", "cancelled", "exit_code", ExitCode.TEMPORARY.code(), "job_run_id",
                r.id(), "state", after.state().toString(), "error", "stopped by a signal; job run " + r.id() + " "
                + after.state()));
            Runtime.getRuntime().halt(ExitCode.TEMPORARY.code());
          });
        }
      }, "geoswap-cancel-on-signal");
      Runtime.getRuntime().addShutdownHook(onSignal);
      EmrLauncher.Outcome outcome = launcher.run(request);
      synchronized (reporting) {
        try {
          Runtime.getRuntime().removeShutdownHook(onSignal);
        } catch (IllegalStateException shuttingDown) {
          // the hook has run (and halted) or is about to: it reports
        }
        return report(outcome, pipeline, version, settings);
      }
    }
  }

  private int report(EmrLauncher.Outcome o, String pipeline, String version, DbSettings db) {
    Map<String, Object> json = new LinkedHashMap<>();
    Optional<VersionRecord> rec = Optional.empty();
    Optional<Integer> failureCode = Optional.empty();
    try (Connection c = Db.connect(db)) {
      VersionRegistry registry = new VersionRegistry(c);
      registry.ensureSchema();
      rec = registry.find(pipeline, version);
      failureCode = registry.errorCode(pipeline, version);
    } catch (SQLException e) {
      throw DbErrors.translate("reading the registry", e);
    }
    int code = o.exitCode();
    if (code == ExitCode.UNEXPECTED.code() && failureCode.isPresent()) code = failureCode.get();
    json.put("status", code == 0 ? "built" : "failed");
    json.put("pipeline", pipeline);
    json.put("version", version);
    rec.ifPresent(r -> json.put("table", r.tableSchema() + "." + r.tableName()));
    rec.ifPresent(r -> json.put("rows", r.rowsWritten()));
    // As the job's own result: which timestamp ${logical_date} was (the run's logical date or its run_after).
    rec.ifPresent(r -> {
      json.put("logical_date", RunParams.render(r.logicalDate()));
      json.put("run_after", RunParams.render(r.runAfter()));
      json.put("date_source", RunParams.dateSource(r.logicalDate(), r.runAfter()));
    });
    json.put("job_run_id", o.run().id());
    json.put("state", o.run().state().toString());
    json.put("submitted", o.submitted());
    json.put("reattached", o.reattached());
    if (code != 0) {
      String msg = o.message() + rec.map(r -> r.error() == null ? "" : "; the job said: " + r.error()).orElse("");
      json.put("exit_code", code);
      json.put("error", msg);
      System.err.println("geoswap: error: " + msg);
    } else if (rec.isEmpty() || !rec.get().status().hasBuiltTable()) {
      // EMR said SUCCESS but the registry disagrees: trust nothing, publish nothing.
      json.put("status", "failed");
      json.put("exit_code", ExitCode.UNEXPECTED.code());
      json.put("error", "job run " + o.run().id() + " succeeded but the registry has no built version " + version);
      Cli.printJson(out(), json);
      return ExitCode.UNEXPECTED.code();
    }
    Cli.printJson(out(), json);
    return code;
  }

  /** The pipeline's name; for an s3:// spec (not readable here), from the file name ({@code <name>.yaml}). */
  private String pipelineName() {
    String file = job.spec.substring(job.spec.lastIndexOf('/') + 1).replaceFirst("\\.ya?ml$", "");
    String problem = Names.pipelineProblem(file);
    if (problem != null) throw GeoswapException.usage("--spec: the spec's file name must be <pipeline>.yaml: " + problem);
    return file;
  }
}
