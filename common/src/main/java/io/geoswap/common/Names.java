package io.geoswap.common;

import java.util.regex.Pattern;

/**
 * How versions are named. A version of pipeline {@code name} is the table {@code <name>_v<version>}; its
 * indexes append a short suffix. The bounds keep every such name within PostgreSQL's 63-byte identifier
 * limit, so no two names are cut to the same prefix: 40 (name) + 2 ("_v") + 18 (version) + 3 ("_i9").
 */
public final class Names {
  public static final Pattern PIPELINE = Pattern.compile("^[a-z][a-z0-9_]{0,39}$");
  public static final Pattern VERSION = Pattern.compile("^[a-z0-9][a-z0-9_]{0,17}$");
  /** The registry's schema. */
  public static final String REGISTRY_SCHEMA = "geoswap";

  private Names() {}

  public static String pipelineProblem(String name) {
    return name != null && PIPELINE.matcher(name).matches()
        ? null
        : "'" + name + "' must match " + PIPELINE.pattern();
  }

  public static String versionProblem(String version) {
    return version != null && VERSION.matcher(version).matches()
        ? null
        : "'" + version + "' must match " + VERSION.pattern()
            + " (lower-case letters, digits and _, at most 18 characters)";
  }

  public static String requireVersion(String version) {
    String problem = versionProblem(version);
    if (problem != null) {
      throw GeoswapException.usage("--version " + problem);
    }
    return version;
  }

  /**
   * The version id of an orchestrator run: its logical date ({@code 20261124t030000}) when it has one
   * (Airflow 3 manual runs may not), else a digest of the run id ({@code r} + 14 hex digits); a run that was
   * cleared and re-run ({@code clearNumber > 0}) gets {@code _<n>}, so it builds a fresh version instead of
   * colliding with the one it already published. Retries of a task keep the id: they rebuild it.
   */
  public static String versionFromRun(java.time.OffsetDateTime logicalDate, String runId, int clearNumber) {
    String base;
    if (logicalDate != null) {
      base = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
          .format(logicalDate.withOffsetSameInstant(java.time.ZoneOffset.UTC)).toLowerCase(java.util.Locale.ROOT);
    } else if (runId != null && !runId.isBlank()) {
      base = "r" + Digests.sha256Hex(runId).substring(0, 14);
    } else {
      throw GeoswapException.usage("give --version, or --logical-date or --run-id to derive it from");
    }
    if (clearNumber < 0 || clearNumber > 99) throw GeoswapException.usage("--clear-number " + clearNumber + " is outside 0..99");
    return requireVersion(clearNumber == 0 ? base : base + "_" + clearNumber);
  }

  /** The table holding {@code version} of {@code pipeline}. */
  public static String versionTable(String pipeline, String version) {
    return pipeline + "_v" + requireVersion(version);
  }

  /** The pattern a version table of {@code pipeline} matches, for finding orphans (SQL LIKE is unsafe: _). */
  public static Pattern versionTablePattern(String pipeline) {
    return Pattern.compile("^" + Pattern.quote(pipeline) + "_v(" + VERSION.pattern().substring(1, VERSION.pattern().length() - 1) + ")$");
  }

  /** Name of index {@code n} (0-based) of a version table; the unique key's index is {@code _key}. */
  public static String indexName(String table, int n) {
    return table + "_i" + n;
  }

  public static String keyIndexName(String table) {
    return table + "_k";
  }
}
