package io.geoswap.launcher;

import io.geoswap.common.cli.Cli;
import io.geoswap.job.JobMain;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code run local}: the job in this JVM, on local Spark. */
@Command(name = "local", mixinStandardHelpOptions = true, description = "Run the job in this JVM (local Spark).")
final class LocalTarget extends TargetCommand {
  @Override
  public Integer call() {
    job.version();
    // In this JVM, Spark reads spark.* system properties into every SparkConf it makes. geoswap's own
    // settings need none: SparkSessions applies them, and the JVM's flags carry -Djts.relate=ng.
    for (String c : job.extraSparkConf()) {
      System.setProperty(c.substring(0, c.indexOf('=')), c.substring(c.indexOf('=') + 1));
    }
    List<String> args = job.jobArgs(true);
    return Cli.execute(new JobMain(env(), out()), out(), System.err, args.toArray(String[]::new));
  }
}
