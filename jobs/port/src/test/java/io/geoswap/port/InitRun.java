package io.geoswap.port;

import io.geoswap.testkit.CliRun;
import java.util.Map;

/** Runs init or the swap-task in this JVM as the CLI would ({@link CliRun}). */
final class InitRun {
  private InitRun() {}

  static CliRun init(Map<String, String> env, String... args) {
    return CliRun.of((out, err) -> new InitMain(env, out, err), args);
  }

  static CliRun swapTask(Map<String, String> env, String... args) {
    return CliRun.of((out, err) -> new io.geoswap.swap.SwapTaskMain(env, out, err), args);
  }
}
