package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import java.util.Map;

/** Runs swap-task in this JVM as the CLI would, capturing stdout and stderr ({@link CliRun}). */
final class SwapRun {
  private SwapRun() {}

  static CliRun of(Map<String, String> env, String... args) {
    return CliRun.of((out, err) -> new SwapTaskMain(env, out, err), args);
  }
}
