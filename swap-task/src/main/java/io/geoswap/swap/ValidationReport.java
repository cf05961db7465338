package io.geoswap.swap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.geoswap.swap.compare.VersionDiff;

/**
 * What validate found: every check with its observed value, and what changed against the live version
 * (null when there was nothing to compare with). Produced without side effects.
 */
public record ValidationReport(String pipeline, String version, String table, List<Check> checks, VersionDiff diff) {
  public ValidationReport {
    checks = List.copyOf(checks);
  }

  /**
   * One check. {@code status}: passed, failed, skipped, timeout (ran longer than checks.timeout) or error
   * (the check's own SQL failed).
   */
  public record Check(String name, String status, Object observed, Object expected, String detail) {
    public boolean failed() {
      return status.equals("failed") || status.equals("error") || status.equals("timeout");
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("status", status);
      if (observed != null) m.put("observed", observed);
      if (expected != null) m.put("expected", expected);
      if (detail != null) m.put("detail", detail);
      return m;
    }
  }

  public boolean passed() {
    return checks.stream().noneMatch(Check::failed);
  }

  public List<Check> failures() {
    return checks.stream().filter(Check::failed).toList();
  }

  /** True when a failure is the spec's fault (a check's SQL doesn't run), not the data's. */
  public boolean hasSpecErrors() {
    return checks.stream().anyMatch(c -> c.status().equals("error"));
  }

  public List<Map<String, Object>> checksJson() {
    return checks.stream().map(Check::toJson).toList();
  }
}
