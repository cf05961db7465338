package io.geoswap.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs {@link JobMain} in this JVM (on the test's SparkSession) as the CLI would, capturing its output. */
public record JobRun(int exitCode, String stdout, String stderr) {
  public static JobRun of(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code = Cli.execute(new JobMain(env, o), o, e, args);
      return new JobRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  /** The last stdout line, parsed: the task's JSON result. */
  public JsonNode json() {
    String[] lines = stdout.strip().split("\n");
    try {
      return new ObjectMapper().readTree(lines[lines.length - 1]);
    } catch (Exception e) {
      throw new AssertionError("last stdout line is not JSON: " + stdout, e);
    }
  }
}
