package io.geoswap.swap;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.ExitCode;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.spec.RunParams;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The swap-task's run dates: what checks get as placeholders, and a malformed --run-after. No database. */
class SwapTaskMainTest {
  private static final OffsetDateTime NOV_1 = OffsetDateTime.parse("2026-11-01T03:00:00Z");
  private static final OffsetDateTime DEC_2 = OffsetDateTime.parse("2026-12-02T01:00:00Z");

  private static VersionRecord built(OffsetDateTime logicalDate, OffsetDateTime runAfter) {
    return new VersionRecord("p", "v1", "public", "p_vv1", VersionStatus.BUILT, UUID.randomUUID(), logicalDate,
        null, 3L, null, null, null, null, null, null, null, runAfter, java.util.Map.of("events", 42L));
  }

  private static RunParams options(String runAfter) {
    return RunParams.of("v1", null, null, null, null, runAfter);
  }

  @Test
  void checksOfABuildWithoutALogicalDateGetItsRecordedRunAfterAsTheLogicalDate() {
    Map<String, String> values = SwapTaskMain.checkPlaceholders(built(null, DEC_2), options("2030-01-01T00:00:00Z"));
    assertThat(values).containsEntry("logical_date", "2026-12-02T01:00:00Z").containsEntry("run_after", "2026-12-02T01:00:00Z");
  }

  @Test
  void checksOfABuildWithALogicalDateKeepItAndGetRunAfterBeside() {
    Map<String, String> values = SwapTaskMain.checkPlaceholders(built(NOV_1, DEC_2), options(null));
    assertThat(values).containsEntry("logical_date", "2026-11-01T03:00:00Z").containsEntry("run_after", "2026-12-02T01:00:00Z");
  }

  @Test
  void checksGetTheRowsTheBuildReadFromEachSourceAsSourceRowsPlaceholders() {
    Map<String, String> values = SwapTaskMain.checkPlaceholders(built(NOV_1, DEC_2), options(null));
    assertThat(values).containsEntry("source_rows.events", "42");
  }

  @Test
  void aBuildThatRecordedNoRunAfterTakesTheOption() {
    Map<String, String> values = SwapTaskMain.checkPlaceholders(built(null, null), options("2026-12-02T02:00:00+01:00"));
    assertThat(values).containsEntry("logical_date", "2026-12-02T01:00:00Z").containsEntry("run_after", "2026-12-02T01:00:00Z");
    assertThat(SwapTaskMain.checkPlaceholders(built(null, null), options(null))).doesNotContainKeys("logical_date", "run_after");
  }

  @Test
  void aMalformedRunAfterIsOneUsageErrorLineForEveryCommand() {
    for (String command : new String[] {"validate", "promote", "status"}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code;
      try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
          PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
        String[] args = command.equals("status")
            ? new String[] {command, "--spec", "no-such.yaml", "--run-after", "12/02/2026"}
            : new String[] {command, "--spec", "no-such.yaml", "--version", "v1", "--run-after", "12/02/2026"};
        code = io.geoswap.common.cli.Cli.execute(new SwapTaskMain(Map.of(), o, e), o, e, args);
      }
      assertThat(code).as(command).isEqualTo(ExitCode.USAGE.code());
      assertThat(err.toString(StandardCharsets.UTF_8).strip()).as(command).isEqualTo(
          "geoswap: error: --run-after '12/02/2026' is not an ISO-8601 timestamp (e.g. 2026-11-24T03:00:00Z)");
    }
  }
}
