package io.geoswap.common;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exit-code table every geoswap command shares (README "Exit codes"), each code with whether a retry
 * may help: the one contract the Airflow runners' retry policy follows ({@code dags/geoswap_runner.py}:
 * its skip and no-retry sets are checked against {@link #main} by tests/airflow/test_exit_codes.py).
 */
public enum ExitCode {
  /** Success. */
  OK(0, Retry.NOT_APPLICABLE, "success"),
  /** Unexpected failure: a bug or an unclassified error. Retrying may or may not help. */
  UNEXPECTED(1, Retry.YES, "unexpected failure (a bug, or an error geoswap can't classify)"),
  /** Usage, spec or configuration error (incl. wrong credentials): fix the input, retrying won't help. */
  USAGE(2, Retry.NO, "usage, spec or configuration error"),
  /** Data or check failure: the data violates the spec's rules, retrying won't help. */
  DATA(3, Retry.NO, "data error or failed check"),
  /** Temporary failure (database unreachable, lock held, concurrent run, killed by a signal): retry. */
  TEMPORARY(75, Retry.YES, "temporary failure"), // EX_TEMPFAIL from sysexits.h
  /** Nothing to do, deliberately (Airflow's BashOperator skips on 99). */
  SKIPPED(99, Retry.NOT_APPLICABLE, "deliberately skipped");

  /** What an orchestrator should do with a task that ended with the code. */
  public enum Retry {
    /** the task succeeded or was skipped */
    NOT_APPLICABLE,
    /** a retry may succeed (Airflow's retries apply) */
    YES,
    /** fail at once: the same input fails the same way */
    NO
  }

  private final int code;
  private final Retry retry;
  private final String meaning;

  ExitCode(int code, Retry retry, String meaning) {
    this.code = code;
    this.retry = retry;
    this.meaning = meaning;
  }

  /** The process exit status. */
  public int code() {
    return code;
  }

  public Retry retry() {
    return retry;
  }

  public String meaning() {
    return meaning;
  }

  /** The entry for {@code code}; an unknown status (e.g. a signal death's 128+n) counts as UNEXPECTED. */
  public static ExitCode of(int code) {
    return Arrays.stream(values()).filter(e -> e.code == code).findFirst().orElse(UNEXPECTED);
  }

  /** The table as JSON, one object per code (what the Python runner's test compares with). */
  public static void main(String[] args) {
    List<Map<String, Object>> table = Arrays.stream(values()).map(e -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("code", e.code);
      m.put("name", e.name());
      m.put("retry", e.retry.name());
      return m;
    }).toList();
    System.out.println(io.geoswap.common.cli.Cli.toJson(table));
  }
}
