package io.geoswap.port;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs a geoswap command in this JVM as the CLI would (InitMain, swap-task), capturing its output. */
record InitRun(int exitCode, String stdout, String stderr) {
  static InitRun init(Map<String, String> env, String... args) {
    return run(o -> e -> new InitMain(env, o, e), args);
  }

  static InitRun swapTask(Map<String, String> env, String... args) {
    return run(o -> e -> new io.geoswap.swap.SwapTaskMain(env, o, e), args);
  }

  private static InitRun run(java.util.function.Function<PrintStream, java.util.function.Function<PrintStream, Callable<Integer>>> command,
      String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code = Cli.execute(command.apply(o).apply(e), o, e, args);
      return new InitRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  JsonNode json() {
    String[] lines = stdout.strip().split("\n");
    try {
      return new ObjectMapper().readTree(lines[lines.length - 1]);
    } catch (Exception e) {
      throw new AssertionError("last stdout line is not JSON: " + this, e);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
  }
}
