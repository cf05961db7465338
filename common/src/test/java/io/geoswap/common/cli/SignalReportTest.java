package io.geoswap.common.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shutdown hook's decisions, on a report whose halt is recorded instead of ending the test JVM. */
class SignalReportTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<Integer> halts = new ArrayList<>();
  private final SignalReport report = new SignalReport(new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), halts::add);

  @Test
  void aSignalBeforeTheCommandFinishedIsReportedOnceAndHaltsWith75() throws Exception {
    report.signalled("TERM");
    report.signalled("INT"); // a second signal (Ctrl-C reaches the JVM twice through run-java) changes nothing
    report.onShutdown();
    report.onShutdown();

    assertThat(err.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("geoswap: error: stopped by signal TERM before finishing; nothing was published");
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(1);
    assertThat(new ObjectMapper().readValue(lines.get(0), Map.class)).containsExactly(
        Map.entry("status", "failed"), Map.entry("exit_code", 75),
        Map.entry("error", "stopped by signal TERM before finishing; nothing was published"),
        Map.entry("signal", "TERM"));
    assertThat(halts).containsExactly(75);
  }

  @Test
  void theExitAfterTheCommandFinishedReportsNothing() {
    report.finished(3); // the command printed its own result; System.exit(3) then runs the hook
    report.onShutdown();

    assertThat(out.size()).isZero();
    assertThat(err.size()).isZero();
    assertThat(halts).isEmpty(); // the JVM exits with System.exit's 3, every other hook run
  }

  @Test
  void aSignalAfterTheCommandFinishedKeepsItsExitCodeAndPrintsNoSecondResult() {
    report.finished(0);
    report.signalled("TERM"); // e.g. while the job stops Spark
    report.onShutdown();

    assertThat(out.size()).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("geoswap: error:");
    assertThat(halts).containsExactly(0); // not 143: the exit code matches the result line
  }

  @Test
  void aShutdownUnderTheCommandWithoutASignalIsUnexpected() throws Exception {
    report.onShutdown(); // System.exit from a library, or an Error out of main

    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("geoswap: error: the JVM shut down before");
    Map<String, Object> json = new ObjectMapper().readValue(out.toString(StandardCharsets.UTF_8).strip(),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    assertThat(json.get("exit_code")).isEqualTo(1);
    assertThat(json).doesNotContainKey("signal");
    assertThat(halts).containsExactly(1);
  }

  @Test
  void finishingLeavesTheCommandsExitCodeWhereTheParentLooks(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("finished");
    SignalReport withFile = new SignalReport(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), halts::add, file);
    assertThat(file).doesNotExist();
    withFile.finished(3);
    assertThat(file).hasContent("3");
  }
}
