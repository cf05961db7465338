package io.geoswap.job;

import io.geoswap.testkit.CliRun;
import java.util.Map;

/** Runs {@link JobMain} in this JVM (on the test's SparkSession) as the CLI would, capturing its output ({@link CliRun}). */
public final class JobRun {
  private JobRun() {}

  public static CliRun of(Map<String, String> env, String... args) {
    return CliRun.of((out, err) -> new JobMain(env, out), args);
  }
}
