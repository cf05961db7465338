package io.geoswap.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;

/**
 * One geoswap command run in this JVM as its CLI runs it ({@link Cli#execute}), with what it printed: the
 * runner every module's tests share (the swap-task's {@code SwapRun}, the job's {@code JobRun}, the image's
 * LeastPrivilegeIT).
 */
public record CliRun(int exitCode, String stdout, String stderr) {
  /** Runs the command {@code command} makes for the captured stdout and stderr, with {@code args}. */
  public static CliRun of(BiFunction<PrintStream, PrintStream, Object> command, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code = Cli.execute(command.apply(o, e), o, e, args);
      return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  /** The last stdout line, parsed: the command's JSON result. */
  public JsonNode json() {
    String[] lines = stdout.strip().split("\n");
    try {
      return new ObjectMapper().readTree(lines[lines.length - 1]);
    } catch (Exception e) {
      throw new AssertionError("last stdout line is not JSON: " + stdout + "\nstderr: " + stderr, e);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
  }
}
