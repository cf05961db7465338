package io.geoswap.swap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs swap-task in this JVM as the CLI would, capturing stdout and stderr. */
record SwapRun(int exitCode, String stdout, String stderr) {
  static SwapRun of(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code = Cli.execute(new SwapTaskMain(env, o, e), o, e, args);
      return new SwapRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  JsonNode json() {
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
