package io.geoswap.swap;

import java.time.Duration;

/**
 * Where a promote pauses for a test to kill it ({@code kill -9}): set {@link #ENV} to a hook's value.
 * ProcessesIT proves with them that a promote killed inside its transaction leaves the old version live and
 * one killed after its commit the new one, and that a rerun converges.
 */
enum TestHook {
  /** Inside the swap transaction, after every write, before the commit. */
  IN_SWAP("in-swap"),
  /** After the swap's commit, before the retention drops. */
  AFTER_COMMIT("after-commit");

  /** The environment variable naming the hook to pause at. */
  static final String ENV = "GEOSWAP_TEST_PAUSE";

  final String value;

  TestHook(String value) {
    this.value = value;
  }

  /** Pauses (5 minutes, announced on stderr) if {@link #ENV} names this hook. */
  void pauseIfSet() {
    if (value.equals(System.getenv(ENV))) {
      System.err.println("geoswap: test hook: pausing " + value);
      Pause.sleep(Duration.ofMinutes(5));
    }
  }
}
