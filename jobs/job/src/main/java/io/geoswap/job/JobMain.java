package io.geoswap.job;

import io.geoswap.common.cli.Cli;
import io.geoswap.common.cli.DbOptions;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.common.spec.RunParams;
import io.geoswap.common.spec.SpecLoader;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class io.geoswap.job.JobMain geoswap-job.jar --spec … --version …}: the
 * extract-transform stage. Database settings come from the PG* environment variables. The last stdout line
 * is the JSON result; exit codes as in the README.
 */
@Command(name = "geoswap-job", mixinStandardHelpOptions = true,
    description = "Builds version <version> of a pipeline into <schema>.<name>_v<version> (extract-transform).")
public final class JobMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(JobMain.class);

  @Option(names = "--spec", required = true, description = "Pipeline spec (YAML): a path, or any URI Hadoop"
      + " reads (s3:// on EMR).")
  String spec;

  @Option(names = "--version", required = true, description = "Version id: [a-z0-9][a-z0-9_]{0,17}.")
  String version;

  @Option(names = "--logical-date", description = "ISO-8601 timestamp for ${logical_date}.")
  String logicalDate;

  @Option(names = "--run-after", description = "ISO-8601 timestamp: when the orchestrator's run was due, for"
      + " ${run_after}; also ${logical_date} when the run has no logical date (Airflow 3 API or asset runs).")
  String runAfter;

  @Option(names = "--data-interval-start", description = "ISO-8601 timestamp for ${data_interval_start}.")
  String dataIntervalStart;

  @Option(names = "--data-interval-end", description = "ISO-8601 timestamp for ${data_interval_end}.")
  String dataIntervalEnd;

  @Option(names = "--run-id", description = "The orchestrator's run id, recorded in the registry.")
  String runId;

  @Mixin DbOptions dbOptions = new DbOptions();

  private final java.util.Map<String, String> env;
  private final java.io.PrintStream out;

  public JobMain() {
    this(System.getenv(), System.out);
  }

  /** For tests: another environment (PG* settings) and stdout. */
  public JobMain(java.util.Map<String, String> env, java.io.PrintStream out) {
    this.env = env;
    this.out = out;
  }

  @Override
  public Integer call() {
    // Validate everything that needs no database or Spark first: a bad spec fails in milliseconds.
    RunParams params = RunParams.of(version, logicalDate, dataIntervalStart, dataIntervalEnd, runId, runAfter);
    PipelineSpec pipeline = new SpecLoader(new HadoopSpecFiles(new org.apache.hadoop.conf.Configuration())).load(spec);
    DbSettings db = dbOptions.resolve(env, "geoswap-job");
    LOG.info("building {} version {} into {}.{} on {}", pipeline.name(), params.version(),
        pipeline.target().schema(), pipeline.versionTable(params.version()), db);
    // Before Spark starts, not before the checks above: a bad spec still fails without the JMX start-up.
    JitDirectives.install(); // (the launcher's local target comes here too)
    SparkSession spark = SparkSessions.getOrCreate("geoswap-" + pipeline.name() + "-" + params.version(),
        pipeline.sparkConf());
    ExtractTransformJob.Result result = new ExtractTransformJob(spark, db).run(pipeline, params);
    Cli.printJson(out, result.toJson());
    return 0;
  }

  public static void main(String[] args) {
    // A TERM/INT/HUP before the result is printed still ends in one error line, a JSON line and exit 75.
    io.geoswap.common.cli.SignalReport report = io.geoswap.common.cli.SignalReport.install();
    int code = Cli.execute(new JobMain(), args);
    report.finished(code);
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    System.exit(code);
  }
}
