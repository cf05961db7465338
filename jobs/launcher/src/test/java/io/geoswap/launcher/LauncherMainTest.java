package io.geoswap.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher's command line: one command per target, today's --target form kept; no job runs here. */
class LauncherMainTest {
  record Launch(int exitCode, String stdout, String stderr) {}

  private static Launch launch(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code = LauncherMain.execute(Map.of(), o, e, args);
      return new Launch(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void theTargetOptionBecomesTheTargetCommandWhereverItStands() {
    assertThat(LauncherMain.targetAsCommand(new String[] {"run", "--spec", "s.yaml", "--target", "local", "--version", "v1"}))
        .containsExactly("run", "local", "--spec", "s.yaml", "--version", "v1");
    assertThat(LauncherMain.targetAsCommand(new String[] {"run", "--target=emr-serverless", "--spec", "s3://b/s.yaml"}))
        .containsExactly("run", "emr-serverless", "--spec", "s3://b/s.yaml");
    assertThat(LauncherMain.targetAsCommand(new String[] {"run", "spark-submit", "--master", "spark://h:7077"}))
        .containsExactly("run", "spark-submit", "--master", "spark://h:7077");
    assertThat(LauncherMain.targetAsCommand(new String[] {"--help"})).containsExactly("--help");
  }

  @Test
  void aTargetTakesOnlyItsOwnOptions() {
    Launch l = launch("run", "--target", "local", "--spec", "s.yaml", "--version", "v1", "--master", "spark://h:7077");
    assertThat(l.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(l.stderr()).contains("Unknown options: '--master'");
    Launch s = launch("run", "spark-submit", "--spec", "s.yaml", "--version", "v1", "--application-id", "app");
    assertThat(s.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(s.stderr()).contains("Unknown options: '--application-id'");
  }

  @Test
  void anUnknownTargetOrNoneIsAUsageError() {
    assertThat(launch("run", "--target", "yarn", "--spec", "s.yaml").exitCode()).isEqualTo(ExitCode.USAGE.code());
    Launch none = launch("run");
    assertThat(none.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(none.stderr()).contains("name a target: local, spark-submit or emr-serverless");
  }

  @Test
  void durationsAreCheckedAsTheyAreParsedAndEveryOtherProblemAtOnce() {
    Launch bad = launch("run", "emr-serverless", "--spec", "s3://b/zone_stats.yaml", "--version", "v1", "--timeout", "soon");
    assertThat(bad.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(bad.stderr()).contains("--timeout", "'soon' is not a duration");
    Launch l = launch("run", "emr-serverless", "--spec", "zone_stats.yaml", "--version", "v1", "--poll-interval", "0s");
    assertThat(l.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(l.stderr()).contains("--application-id is required", "--execution-role-arn is required",
        "--job-jar must be the job jar's s3:// URI", "--spec must be an s3:// URI", "--db-secret-id is required",
        "--poll-interval must be a positive duration");
  }

  @Test
  void spark_submitNeedsAMasterASparkHomeAndTheJar() {
    Launch l = launch("run", "spark-submit", "--spec", "s.yaml", "--version", "v1");
    assertThat(l.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(l.stderr()).contains("--master is required", "--spark-home (or SPARK_HOME) is required",
        "--job-jar must be the local job jar");
  }

  @Test
  void aMalformedRunAfterIsOneUsageErrorLineBeforeAnythingStarts() {
    Launch l = launch("run", "--target", "local", "--spec", "pipelines/zone_stats.yaml",
        "--run-id", "manual__2026-12-02T01:00:00+00:00", "--run-after", "tomorrow");
    assertThat(l.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(l.stderr().strip()).isEqualTo(
        "geoswap: error: --run-after 'tomorrow' is not an ISO-8601 timestamp (e.g. 2026-11-24T03:00:00Z)");
    assertThat(l.stdout()).contains("\"exit_code\":2");
  }

  @Test
  void aRunWithoutALogicalDateIsVersionedByItsRunIdAndPassesRunAfterToTheJob() {
    JobOptions job = new JobOptions();
    job.spec = "zone_stats.yaml";
    job.runId = "manual__2026-12-02T01:00:00+00:00";
    job.runAfter = "2026-12-02T01:00:00+00:00";
    assertThat(job.version()).matches("r[0-9a-f]{14}")
        .isEqualTo(io.geoswap.common.Names.versionFromRun(null, job.runId, 0));
    assertThat(job.jobArgs(false)).containsSequence("--run-after", "2026-12-02T01:00:00+00:00")
        .doesNotContain("--logical-date");
  }

  @Test
  void aBadVersionIsRefusedBeforeAnythingStarts() {
    Launch l = launch("run", "local", "--spec", "s.yaml", "--version", "Bad-Version");
    assertThat(l.exitCode()).isEqualTo(ExitCode.USAGE.code());
  }
}
