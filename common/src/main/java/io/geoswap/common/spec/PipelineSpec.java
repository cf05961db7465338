package io.geoswap.common.spec;

import io.geoswap.common.Names;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A pipeline spec as validated by {@link SpecLoader}: every name in it is a safe identifier, every
 * reference resolves. Immutable.
 *
 * @param location where the spec was read from (a path or an s3:// URI), for messages
 * @param transformLocation where the transform SQL was read from
 * @param transformSql the transform's text, placeholders not yet substituted
 * @param sparkConf extra Spark settings for this pipeline (optional key {@code spark})
 */
public record PipelineSpec(
    String name,
    String schedule,
    Target target,
    Map<String, Source> sources,
    String transformLocation,
    String transformSql,
    InvalidGeometryPolicy onInvalidGeometry,
    Checks checks,
    Map<String, String> sparkConf,
    String location) {

  public PipelineSpec {
    sources = Map.copyOf(sources);
    sparkConf = Map.copyOf(sparkConf);
  }

  /** Sources in the order the spec lists them. */
  public List<Source> sourceList() {
    return sources.values().stream().sorted(java.util.Comparator.comparingInt(Source::order)).toList();
  }

  public String versionTable(String version) {
    return Names.versionTable(name, version);
  }

  /** Where the result goes and how it is published. */
  public record Target(
      String schema,
      String view,
      List<String> key,
      GeometryColumn geometry,
      List<IndexSpec> indexes,
      int retain) {
    public Target {
      key = List.copyOf(key);
      indexes = List.copyOf(indexes);
    }
  }

  /**
   * The result's declared geometry column; null in {@link Target#geometry()} when the spec declares none (a
   * result without geometry, or whose geometry columns are typed from their data).
   *
   * @param type the PostGIS geometry subtype of the column ({@code Geometry} accepts any)
   */
  public record GeometryColumn(String column, int srid, String type) {}

  public record IndexSpec(List<String> columns, String method) {
    public IndexSpec {
      columns = List.copyOf(columns);
    }
  }

  /**
   * A source table; inside the transform it is the temp view {@code name}.
   *
   * @param partitionColumn numeric/date column to split the JDBC read on, or null for one partition
   * @param partitions how many JDBC partitions (null: Spark's default parallelism)
   * @param where a filter pushed down to PostgreSQL, placeholders not yet substituted, or null
   * @param allowEmpty whether an empty source is fine (default: an empty source is an error)
   * @param order position in the spec
   */
  public record Source(
      String name,
      String schema,
      String table,
      String partitionColumn,
      Integer partitions,
      String where,
      boolean allowEmpty,
      int order) {}

  /** Data checks, run by swap-task's validate step. */
  public record Checks(
      Long minRows,
      Double maxChangePct,
      boolean diff,
      double diffFloatTolerance,
      double diffGeometryTolerance,
      Double maxChangedPct,
      Map<String, Double> maxColumnChangePct,
      String expectedRowsSql,
      List<String> notNull,
      boolean validGeometry,
      List<String> sql,
      Duration timeout) {
    public Checks {
      maxColumnChangePct = maxColumnChangePct == null ? Map.of()
          : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(maxColumnChangePct));
      notNull = List.copyOf(notNull);
      sql = List.copyOf(sql);
    }

    /** min_rows when a spec doesn't set it: an empty result fails validation. */
    public static final long DEFAULT_MIN_ROWS = 1;
    /**
     * timeout when a spec doesn't set it: generous, because a check may count a large source (an audit
     * against the input); far below Airflow's usual task timeouts.
     */
    public static final String DEFAULT_TIMEOUT = "30m";
    /** diff_float_tolerance when a spec doesn't set it: verify's default (far above summation noise). */
    public static final double DEFAULT_DIFF_FLOAT_TOLERANCE = 1e-9;
  }

  /** What the job does with invalid or NULL source geometries. */
  public enum InvalidGeometryPolicy {
    /** Stop with the count and the first offending keys. */
    FAIL,
    /** Repair with ST_MakeValid (NULLs still fail: there is nothing to repair). */
    MAKE_VALID,
    /** Leave the offending rows out, and say how many. */
    DROP;

    public String yamlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
