package io.geoswap.launcher;

import io.geoswap.common.GeoswapException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code run <target> …}: one command per target, each with only its own options besides the job's ({@link JobOptions}). */
@Command(name = "run", mixinStandardHelpOptions = true,
    subcommands = {LocalTarget.class, SparkSubmitTarget.class, EmrServerlessTarget.class},
    description = "Run the job and wait for it: run local|spark-submit|emr-serverless [options]"
        + " (also accepted: run --target <target> [options]).")
final class RunCommand implements Callable<Integer> {
  @ParentCommand LauncherMain main;

  @Override
  public Integer call() {
    throw GeoswapException.usage("name a target: local, spark-submit or emr-serverless");
  }
}
