package io.geoswap.swap;

import io.geoswap.common.Durations;
import io.geoswap.common.GeoswapException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How promote, rollback and the drops behave under contention. Validated at the edge, every problem at
 * once. Each default sits next to its key.
 *
 * @param retry the swap's lock timeout, attempts and backoff (also the drops' lock timeout)
 * @param statementTimeout bound on any one statement of the swap
 * @param snapshotWait how long promote waits for transactions whose snapshot predates the load
 */
public record SwapConfig(RetryPolicy retry, Duration statementTimeout, Duration snapshotWait) {

  public static final String DEFAULT_LOCK_TIMEOUT = "2s";
  public static final String DEFAULT_STATEMENT_TIMEOUT = "30s";
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  public static final String DEFAULT_BACKOFF_BASE = "200ms";
  public static final String DEFAULT_BACKOFF_MAX = "5s";
  public static final String DEFAULT_SNAPSHOT_WAIT = "60s";

  /** Parses and validates; a usage error lists every bad option. */
  public static SwapConfig of(String lockTimeout, String statementTimeout, int maxAttempts, String backoffBase,
      String backoffMax, String snapshotWait) {
    List<String> problems = new ArrayList<>();
    Duration lock = positive("--lock-timeout", lockTimeout, problems);
    Duration statement = positive("--statement-timeout", statementTimeout, problems);
    Duration base = positive("--backoff-base", backoffBase, problems);
    Duration max = positive("--backoff-max", backoffMax, problems);
    Duration wait = Durations.parseOrNull(snapshotWait);
    if (wait == null || wait.isNegative()) problems.add("--snapshot-wait: '" + snapshotWait + "' is not a duration ≥ 0");
    if (maxAttempts < 1 || maxAttempts > 100) problems.add("--max-attempts: " + maxAttempts + " is outside 1..100");
    if (!problems.isEmpty()) throw GeoswapException.usage(String.join("; ", problems));
    return new SwapConfig(new RetryPolicy(maxAttempts, lock, base, max), statement, wait);
  }

  private static Duration positive(String key, String text, List<String> problems) {
    Duration d = Durations.parseOrNull(text);
    if (d == null || d.isZero() || d.isNegative()) {
      problems.add(key + ": '" + text + "' is not a positive duration (e.g. 500ms, 2s, PT2S)");
      return Duration.ZERO;
    }
    return d;
  }
}
