package io.geoswap.launcher;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Durations;
import io.geoswap.common.Names;
import io.geoswap.common.aws.AwsOptions;
import io.geoswap.common.cli.Cli;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.job.JobMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code launcher run --spec S --version V [--logical-date TS] --target local|spark-submit|emr-serverless …}:
 * runs the extract-transform job where it is told to and waits for it. The last stdout line is the JSON
 * result; exit codes as in the README.
 */
@Command(name = "launcher", mixinStandardHelpOptions = true, subcommands = LauncherMain.Run_.class,
    description = "Runs the extract-transform job locally, on a Spark cluster or on EMR Serverless.")
public final class LauncherMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(LauncherMain.class);
  /** The job's main class, as spark-submit and EMR Serverless start it. */
  public static final String JOB_CLASS = JobMain.class.getName();
  /** Spark settings every target gets: Sedona's Kryo registrator, and no telemetry ping from Sedona. */
  static final List<String> SPARK_CONF = List.of(
      "spark.serializer=org.apache.spark.serializer.KryoSerializer",
      "spark.kryo.registrator=org.apache.sedona.core.serde.SedonaKryoRegistrator",
      "spark.executorEnv.SCARF_NO_ANALYTICS=true",
      // JTS 1.20's RelateNG (in Sedona's shaded jar) for ST_Intersects/ST_Touches/…: same answers, much
      // less CPU on overlays. JTS reads it once when its relate class loads: a JVM flag on driver and
      // executors, not a session setting (jvm/spark-java17.args sets it for local runs).
      "spark.driver.extraJavaOptions=-Djts.relate=ng",
      "spark.executor.extraJavaOptions=-Djts.relate=ng");

  final Map<String, String> env;
  final PrintStream out;

  public LauncherMain() {
    this(System.getenv(), System.out);
  }

  public LauncherMain(Map<String, String> env, PrintStream out) {
    this.env = env;
    this.out = out;
  }

  @Override
  public Integer call() {
    throw GeoswapException.usage("name a command: run");
  }

  public static void main(String[] args) {
    System.exit(Cli.execute(new LauncherMain(), args));
  }

  enum Target { local, spark_submit, emr_serverless }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the job and wait for it.")
  static final class Run_ implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand LauncherMain main;

    @Option(names = "--spec", required = true, description = "Pipeline spec: a local file, or s3://… for EMR.") String spec;
    @Option(names = "--version", description = "Version id; default: derived from --logical-date, else --run-id"
        + " (and --clear-number), see the README.") String version;
    @Option(names = "--clear-number", defaultValue = "0", description = "How often the orchestrator's run was"
        + " cleared and re-run (Airflow's dag_run.clear_number): a fresh version each time.") int clearNumber;
    @Option(names = "--logical-date") String logicalDate;
    @Option(names = "--data-interval-start") String dataIntervalStart;
    @Option(names = "--data-interval-end") String dataIntervalEnd;
    @Option(names = "--run-id", description = "The orchestrator's run id (registry, tags).") String runId;
    @Option(names = "--target", required = true, description = "local, spark-submit or emr-serverless.") String target;
    @picocli.CommandLine.Mixin io.geoswap.common.cli.DbOptions db = new io.geoswap.common.cli.DbOptions();
    @Option(names = "--spark-conf", description = "Extra Spark setting key=value (repeatable).") List<String> sparkConf = new ArrayList<>();

    // spark-submit
    @Option(names = "--master", description = "spark-submit: the master URL, e.g. spark://host:7077.") String master;
    @Option(names = "--spark-home", description = "spark-submit: Spark's home (default $SPARK_HOME).") String sparkHome;
    @Option(names = "--job-jar", description = "The shaded job jar: a local path (spark-submit), an s3:// URI (EMR), or local:///… in a custom EMR image.") String jobJar;

    // emr-serverless
    @Option(names = "--application-id") String applicationId;
    @Option(names = "--execution-role-arn") String executionRoleArn;
    @Option(names = "--log-uri", description = "S3 URI for the run's logs.") String logUri;
    @Option(names = "--cloudwatch-log-group") String cloudWatchLogGroup;
    @Option(names = "--poll-interval", defaultValue = "10s") String pollInterval;
    @Option(names = "--timeout", defaultValue = "2h", description = "Cancel the run after this (default ${DEFAULT-VALUE}).") String timeout;
    @Option(names = "--cancel-wait", defaultValue = "5m") String cancelWait;
    @Option(names = "--tag", description = "Extra tag key=value (repeatable).") List<String> tags = new ArrayList<>();
    @Option(names = "--dag-id") String dagId;
    @Option(names = "--dag-run-id") String dagRunId;

    @Override
    public Integer call() throws Exception {
      if (version == null) {
        version = Names.versionFromRun(io.geoswap.common.spec.RunParams.parseTimestamp("--logical-date", logicalDate),
            runId, clearNumber);
      }
      Names.requireVersion(version);
      Target t = switch (target) {
        case "local" -> Target.local;
        case "spark-submit" -> Target.spark_submit;
        case "emr-serverless" -> Target.emr_serverless;
        default -> throw GeoswapException.usage("--target '" + target + "' is not one of local, spark-submit, emr-serverless");
      };
      return switch (t) {
        case local -> {
          // In this JVM, Spark reads spark.* system properties into every SparkConf it makes.
          List<String> conf = allSparkConf();
          for (String c : conf.subList(SPARK_CONF.size(), conf.size())) {
            System.setProperty(c.substring(0, c.indexOf('=')), c.substring(c.indexOf('=') + 1));
          }
          yield Cli.execute(new JobMain(main.env, main.out), main.out, System.err, jobArgs(true).toArray(String[]::new));
        }
        case spark_submit -> sparkSubmit();
        case emr_serverless -> emrServerless();
      };
    }

    /** The job's own arguments. The password is never one of them: the job reads a secret id or PG*. */
    List<String> jobArgs(boolean withAws) {
      List<String> a = new ArrayList<>(List.of("--spec", spec, "--version", version));
      if (logicalDate != null) a.addAll(List.of("--logical-date", logicalDate));
      if (dataIntervalStart != null) a.addAll(List.of("--data-interval-start", dataIntervalStart));
      if (dataIntervalEnd != null) a.addAll(List.of("--data-interval-end", dataIntervalEnd));
      if (runId != null) a.addAll(List.of("--run-id", runId));
      if (db.secretId != null) a.addAll(List.of("--db-secret-id", db.secretId));
      if (withAws && db.awsRegion != null) a.addAll(List.of("--aws-region", db.awsRegion));
      if (withAws && db.awsEndpointUrl != null) a.addAll(List.of("--aws-endpoint-url", db.awsEndpointUrl));
      return a;
    }

    private List<String> allSparkConf() {
      List<String> conf = new ArrayList<>(SPARK_CONF);
      for (String c : sparkConf) {
        if (!c.contains("=")) throw GeoswapException.usage("--spark-conf '" + c + "' is not key=value");
        conf.add(c);
      }
      return conf;
    }

    private int sparkSubmit() throws Exception {
      List<String> problems = new ArrayList<>();
      if (master == null) problems.add("--master is required");
      String home = sparkHome != null ? sparkHome : main.env.get("SPARK_HOME");
      if (home == null) problems.add("--spark-home (or SPARK_HOME) is required");
      if (jobJar == null || !Files.isRegularFile(Path.of(jobJar))) problems.add("--job-jar must be the local job jar");
      if (!problems.isEmpty()) throw GeoswapException.usage("spark-submit: " + String.join("; ", problems));
      List<String> cmd = new ArrayList<>(List.of(Path.of(home, "bin", "spark-submit").toString(),
          "--master", master, "--deploy-mode", "client", "--class", JOB_CLASS));
      for (String c : allSparkConf()) cmd.addAll(List.of("--conf", c));
      cmd.add(jobJar);
      cmd.addAll(jobArgs(true));
      LOG.info("spark-submit to {}: {}", master, String.join(" ", cmd));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
      pb.environment().putAll(main.env); // PG* (PGPASSWORD included) reach the driver by environment only
      pb.environment().put("SCARF_NO_ANALYTICS", "true");
      Process p = pb.start();
      Thread stopper = new Thread(p::destroy);
      Runtime.getRuntime().addShutdownHook(stopper);
      Thread errPump = new Thread(() -> pump(new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)), null));
      errPump.start();
      String[] last = new String[1];
      pump(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)), last);
      int code = p.waitFor();
      errPump.join();
      Runtime.getRuntime().removeShutdownHook(stopper);
      LOG.info("spark-submit exited {}", code);
      if (last[0] != null && last[0].startsWith("{")) {
        main.out.println(last[0]); // the job's own JSON result is ours
        main.out.flush();
      } else if (code != 0) {
        Cli.printJson(main.out, Map.of("status", "failed", "exit_code", code, "error", "spark-submit exited " + code));
      }
      return code;
    }

    /** Copies a child's lines to stderr; remembers the last one in {@code last} when given. */
    private static void pump(BufferedReader r, String[] last) {
      try (r) {
        String line;
        while ((line = r.readLine()) != null) {
          System.err.println(line);
          if (last != null && !line.isBlank()) last[0] = line;
        }
      } catch (java.io.IOException e) {
        System.err.println("geoswap: lost the job's output: " + e.getMessage());
      }
    }

    private int emrServerless() {
      List<String> problems = new ArrayList<>();
      if (applicationId == null) problems.add("--application-id is required");
      if (executionRoleArn == null) problems.add("--execution-role-arn is required");
      // s3:// (default), or local:// inside a custom EMR Serverless image (docker/emr/Dockerfile).
      if (jobJar == null || !(jobJar.startsWith("s3://") || jobJar.startsWith("local:///"))) {
        problems.add("--job-jar must be the job jar's s3:// URI (or local:///… in a custom EMR image)");
      }
      if (!spec.startsWith("s3://")) problems.add("--spec must be an s3:// URI the job can read");
      if (db.secretId == null) problems.add("--db-secret-id is required (the job on EMR reads its database settings from it)");
      Duration poll = Durations.parseOrNull(pollInterval);
      Duration total = Durations.parseOrNull(timeout);
      Duration cancel = Durations.parseOrNull(cancelWait);
      if (poll == null || poll.isZero() || poll.isNegative()) problems.add("--poll-interval '" + pollInterval + "' is not a positive duration");
      if (total == null || total.isZero() || total.isNegative()) problems.add("--timeout '" + timeout + "' is not a positive duration");
      if (cancel == null || cancel.isNegative()) problems.add("--cancel-wait '" + cancelWait + "' is not a duration");
      if (!problems.isEmpty()) throw GeoswapException.usage("emr-serverless: " + String.join("; ", problems));
      String pipeline = pipelineName();
      AwsOptions aws = db.aws(main.env);
      // The launcher reads the registry for the row count and failure code: same credentials as the job.
      DbSettings settings = db.resolve(main.env, "geoswap-launcher");
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
      String submitParameters = "--class " + JOB_CLASS + allSparkConf().stream().map(c -> " --conf " + c).reduce("", String::concat)
          + " --conf spark.emr-serverless.driverEnv.SCARF_NO_ANALYTICS=true";
      JobRuns.StartRequest request = new JobRuns.StartRequest("geoswap-" + pipeline + "-" + version, null, jobJar,
          jobArgs(false), submitParameters, runTags, logUri, cloudWatchLogGroup);
      try (EmrServerlessJobRuns runs = new EmrServerlessJobRuns(aws, applicationId, executionRoleArn)) {
        EmrLauncher launcher = new EmrLauncher(runs, new EmrLauncher.Settings(poll, total, cancel), System::nanoTime,
            d -> Thread.sleep(d.toMillis()));
        // SIGTERM/SIGINT run this hook while the main thread may still be polling, and may see the run it
        // cancels end: one lock decides who reports, so the last stdout line always matches the exit code.
        Object reporting = new Object();
        Thread onSignal = new Thread(() -> {
          synchronized (reporting) {
            launcher.current().ifPresent(r -> {
              System.err.println("geoswap: stopping: cancelling job run " + r.id());
              JobRuns.Run after = launcher.cancelAndWait(r.id());
              Cli.printJson(main.out, Map.of("status", "cancelled", "exit_code", ExitCode.TEMPORARY, "job_run_id",
                  r.id(), "state", after.state(), "error", "stopped by a signal; job run " + r.id() + " " + after.state()));
              Runtime.getRuntime().halt(ExitCode.TEMPORARY);
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
          return report(outcome, pipeline, settings);
        }
      }
    }

    private int report(EmrLauncher.Outcome o, String pipeline, DbSettings db) {
      Map<String, Object> json = new LinkedHashMap<>();
      Optional<VersionRecord> rec = Optional.empty();
      Optional<Integer> failureCode = Optional.empty();
      try (Connection c = Db.connect(db)) {
        VersionRegistry registry = new VersionRegistry(c);
        registry.ensureSchema();
        rec = registry.find(pipeline, version);
        failureCode = registry.errorCode(pipeline, version);
      } catch (SQLException e) {
        throw io.geoswap.common.db.DbErrors.translate("reading the registry", e);
      }
      int code = o.exitCode();
      if (code == ExitCode.UNEXPECTED && failureCode.isPresent()) code = failureCode.get();
      json.put("status", code == 0 ? "built" : "failed");
      json.put("pipeline", pipeline);
      json.put("version", version);
      rec.ifPresent(r -> json.put("table", r.tableSchema() + "." + r.tableName()));
      rec.ifPresent(r -> json.put("rows", r.rowsWritten()));
      json.put("job_run_id", o.run().id());
      json.put("state", o.run().state());
      json.put("submitted", o.submitted());
      json.put("reattached", o.reattached());
      if (code != 0) {
        String msg = o.message() + rec.map(r -> r.error() == null ? "" : "; the job said: " + r.error()).orElse("");
        json.put("exit_code", code);
        json.put("error", msg);
        System.err.println("geoswap: error: " + msg);
      } else if (rec.isEmpty() || !List.of("built", "validated", "live", "retired", "superseded").contains(rec.get().status())) {
        // EMR said SUCCESS but the registry disagrees: trust nothing, publish nothing.
        json.put("status", "failed");
        json.put("exit_code", ExitCode.UNEXPECTED);
        json.put("error", "job run " + o.run().id() + " succeeded but the registry has no built version " + version);
        Cli.printJson(main.out, json);
        return ExitCode.UNEXPECTED;
      }
      Cli.printJson(main.out, json);
      return code;
    }

    /** The pipeline's name; for an s3:// spec (not readable here), from the file name ({@code <name>.yaml}). */
    private String pipelineName() {
      String file = spec.substring(spec.lastIndexOf('/') + 1).replaceFirst("\\.ya?ml$", "");
      String problem = Names.pipelineProblem(file);
      if (problem != null) throw GeoswapException.usage("--spec: the spec's file name must be <pipeline>.yaml: " + problem);
      return file;
    }
  }
}
