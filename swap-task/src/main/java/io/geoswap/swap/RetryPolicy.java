package io.geoswap.swap;

import java.sql.SQLException;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How a swap retries when the view's lock isn't granted in time: each attempt waits at most
 * {@code lockTimeout} for its locks (readers queue behind that request at most that long; PostgreSQL docs,
 * "13.3.1. Table-Level Locks": ACCESS EXCLUSIVE conflicts with ACCESS SHARE), and an attempt that times out
 * (SQLSTATE 55P03, lock_not_available) is retried after a full-jitter exponential backoff, up to
 * {@code maxAttempts} attempts in all. The retention drops use the same {@code lockTimeout}, without retries.
 *
 * @param maxAttempts attempts at the swap before giving up (exit 75, the old version still live)
 * @param lockTimeout how long one attempt (one drop) may wait for a lock
 * @param backoffBase first backoff between attempts; doubles each time, with full jitter
 * @param backoffMax cap of one backoff
 */
public record RetryPolicy(int maxAttempts, Duration lockTimeout, Duration backoffBase, Duration backoffMax) {
  /** PostgreSQL's lock_not_available: a lock wasn't granted within lock_timeout. */
  static final String LOCK_NOT_AVAILABLE = "55P03";

  /** Whether attempt {@code attempt} (1-based), which failed with {@code e}, is followed by another. */
  boolean retries(SQLException e, int attempt) {
    return LOCK_NOT_AVAILABLE.equals(e.getSQLState()) && attempt < maxAttempts;
  }

  /**
   * Full-jitter exponential backoff before attempt {@code attempt} (1-based, ≥ 2): uniform in [0, min(max,
   * base · 2^(attempt-2))] ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
   */
  Duration backoff(int attempt, RandomGenerator random) {
    long cap = Math.min(backoffMax.toMillis(), backoffBase.toMillis() << Math.min(attempt - 2, 20));
    return Duration.ofMillis(random.nextLong(Math.max(1, cap) + 1));
  }
}
