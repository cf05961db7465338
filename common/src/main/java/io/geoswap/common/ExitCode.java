package io.geoswap.common;

/**
 * The exit-code table every geoswap command shares (README "Exit codes"). Airflow's tasks key their
 * retry policy on these: only {@link #TEMPORARY} is worth a retry.
 */
public final class ExitCode {
  /** Success. */
  public static final int OK = 0;
  /** Unexpected failure: a bug or an unclassified error. Retrying may or may not help. */
  public static final int UNEXPECTED = 1;
  /** Usage, spec or configuration error (incl. wrong credentials): fix the input, retrying won't help. */
  public static final int USAGE = 2;
  /** Data or check failure: the data violates the spec's rules, retrying won't help. */
  public static final int DATA = 3;
  /** Temporary failure (database unreachable, lock held, concurrent run): a retry may succeed. */
  public static final int TEMPORARY = 75; // EX_TEMPFAIL from sysexits.h
  /** Nothing to do, deliberately (Airflow's BashOperator skips on 99). */
  public static final int SKIPPED = 99;

  private ExitCode() {}
}
