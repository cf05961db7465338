package io.geoswap.launcher;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Names;
import io.geoswap.common.cli.DbOptions;
import io.geoswap.common.spec.RunParams;
import io.geoswap.job.SparkSettings;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every target takes: what to build (the job's own options) and extra Spark settings. */
final class JobOptions {
  @Option(names = "--spec", required = true, description = "Pipeline spec: a local file, or s3://… for EMR.") String spec;
  @Option(names = "--version", description = "Version id; default: derived from --logical-date, else --run-id"
      + " (and --clear-number), see the README.") String version;
  @Option(names = "--clear-number", defaultValue = "0", description = "How often the orchestrator's run was"
      + " cleared and re-run (Airflow's dag_run.clear_number): a fresh version each time.") int clearNumber;
  @Option(names = "--logical-date") String logicalDate;
  @Option(names = "--run-after", description = "When the orchestrator's run was due (Airflow's run_after):"
      + " ${run_after}, and ${logical_date} for a run without a logical date.") String runAfter;
  @Option(names = "--data-interval-start") String dataIntervalStart;
  @Option(names = "--data-interval-end") String dataIntervalEnd;
  @Option(names = "--run-id", description = "The orchestrator's run id (registry, tags).") String runId;
  @Mixin DbOptions db = new DbOptions();
  @Option(names = "--spark-conf", description = "Extra Spark setting key=value (repeatable).") List<String> sparkConf = new ArrayList<>();

  /**
   * The version to build: given, or derived from the run (then checked like a given one). The run's dates
   * are checked here too, before anything is started: a malformed one is a usage error (exit 2).
   */
  String version() {
    RunParams.parseTimestamp("--run-after", runAfter);
    RunParams.parseTimestamp("--data-interval-start", dataIntervalStart);
    RunParams.parseTimestamp("--data-interval-end", dataIntervalEnd);
    if (version == null) {
      version = Names.versionFromRun(RunParams.parseTimestamp("--logical-date", logicalDate), runId, clearNumber);
    }
    Names.requireVersion(version);
    return version;
  }

  /** The job's own arguments. The password is never one of them: the job reads a secret id or PG*. */
  List<String> jobArgs(boolean withAws) {
    List<String> a = new ArrayList<>(List.of("--spec", spec, "--version", version()));
    if (logicalDate != null) a.addAll(List.of("--logical-date", logicalDate));
    if (runAfter != null) a.addAll(List.of("--run-after", runAfter));
    if (dataIntervalStart != null) a.addAll(List.of("--data-interval-start", dataIntervalStart));
    if (dataIntervalEnd != null) a.addAll(List.of("--data-interval-end", dataIntervalEnd));
    if (runId != null) a.addAll(List.of("--run-id", runId));
    if (db.secretId != null) a.addAll(List.of("--db-secret-id", db.secretId));
    if (withAws && db.awsRegion != null) a.addAll(List.of("--aws-region", db.awsRegion));
    if (withAws && db.awsEndpointUrl != null) a.addAll(List.of("--aws-endpoint-url", db.awsEndpointUrl));
    return a;
  }

  /** The --spark-conf settings, each key=value. */
  List<String> extraSparkConf() {
    for (String c : sparkConf) {
      if (!c.contains("=")) throw GeoswapException.usage("--spark-conf '" + c + "' is not key=value");
    }
    return sparkConf;
  }

  /** What a submitted job gets, before its JVMs start: geoswap's settings ({@link SparkSettings}), then the extra ones. */
  List<String> submittedSparkConf() {
    List<String> conf = new ArrayList<>(SparkSettings.submitted());
    conf.addAll(extraSparkConf());
    return conf;
  }
}
