package io.geoswap.common.spec;

import io.geoswap.common.Names;
import io.geoswap.common.Sql;
import io.geoswap.common.spec.PipelineSpec.Checks;
import io.geoswap.common.spec.PipelineSpec.GeometryColumn;
import io.geoswap.common.spec.PipelineSpec.IndexSpec;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import io.geoswap.common.spec.PipelineSpec.Source;
import io.geoswap.common.spec.PipelineSpec.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Parses and validates a pipeline spec before anything touches a database. It never stops at the first
 * problem: every problem is collected with its key (e.g. {@code target.key[1]}) and reported at once.
 * Unknown keys are problems too, so a typo doesn't silently fall back to a default.
 */
public final class SpecLoader {
  private static final Set<String> TOP_KEYS =
      Set.of("name", "schedule", "target", "sources", "transform", "on_invalid_geometry", "checks", "spark");
  private static final Set<String> TARGET_KEYS = Set.of("schema", "view", "key", "geometry", "indexes", "retain");
  private static final Set<String> GEOMETRY_KEYS = Set.of("column", "srid", "type");
  private static final Set<String> INDEX_KEYS = Set.of("columns", "method");
  private static final Set<String> SOURCE_KEYS = Set.of("table", "partition_column", "partitions", "where", "allow_empty");
  private static final Set<String> CHECK_KEYS =
      Set.of("min_rows", "max_change_pct", "expected_rows_sql", "not_null", "valid_geometry", "sql");
  /** Index methods that make sense on a result table (PostgreSQL docs, "11.2 Index Types"). */
  private static final Set<String> INDEX_METHODS = Set.of("btree", "gist", "brin", "hash", "spgist", "gin");
  /** PostGIS geometry subtypes allowed as the column's type modifier. */
  private static final Set<String> GEOMETRY_TYPES = Set.of(
      "Geometry", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
      "GeometryCollection");
  private static final int MAX_INDEXES = 10; // index names end in _i0.._i9 (see Names)

  private final SpecFiles files;

  public SpecLoader(SpecFiles files) {
    this.files = files;
  }

  /** Reads, parses and validates the spec at {@code location} and the transform SQL it names. */
  public PipelineSpec load(String location) {
    return parse(files.read(location), location);
  }

  /** Parses {@code yaml}, read from {@code location} (relative paths in it resolve against that). */
  public PipelineSpec parse(String yaml, String location) {
    Problems p = new Problems();
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      throw new SpecException(location, List.of("not valid YAML: " + oneLine(e.getMessage())));
    }
    if (!(root instanceof Map<?, ?> top)) {
      throw new SpecException(location, List.of("must be a YAML mapping of keys (name, target, sources, transform …)"));
    }
    p.unknownKeys("", top, TOP_KEYS);

    String name = p.string(top, "name", true);
    if (name != null) p.check("name", Names.pipelineProblem(name));
    String fileName = location.substring(location.lastIndexOf('/') + 1).replaceFirst("\\.ya?ml$", "");
    if (name != null && Names.pipelineProblem(name) == null && !fileName.equals(name)) {
      // The launcher and the DAG know a pipeline by its file before they can read it (an s3:// spec).
      p.add("name", "'" + name + "' must match the file name (" + name + ".yaml)");
    }
    String schedule = p.string(top, "schedule", false);
    if (schedule != null && !schedule.startsWith("@") && schedule.trim().split("\\s+").length != 5) {
      p.add("schedule", "'" + schedule + "' is neither a 5-field cron expression nor a preset like @daily");
    }

    Target target = target(p, top);
    Map<String, Source> sources = sources(p, top);

    String transform = p.string(top, "transform", true);
    String transformLocation = null;
    String transformSql = null;
    String outside = transform == null ? null : files.containmentProblem(location, transform);
    if (outside != null) {
      p.add("transform", outside);
    } else if (transform != null) {
      transformLocation = SpecFiles.resolve(location, transform);
      try {
        transformSql = files.read(transformLocation);
        if (transformSql.isBlank()) p.add("transform", transformLocation + " is empty");
      } catch (RuntimeException e) {
        p.add("transform", oneLine(e.getMessage()));
      }
      placeholders(p, "transform", transformSql, false);
    }

    InvalidGeometryPolicy policy = InvalidGeometryPolicy.FAIL;
    String policyText = p.string(top, "on_invalid_geometry", false);
    if (policyText != null) {
      try {
        policy = InvalidGeometryPolicy.valueOf(policyText.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        p.add("on_invalid_geometry", "'" + policyText + "' is not one of fail, make_valid, drop");
      }
    }

    Checks checks = checks(p, top);
    Map<String, String> sparkConf = new LinkedHashMap<>();
    Map<?, ?> spark = p.map(top, "spark", false);
    if (spark != null) {
      spark.forEach((k, v) -> {
        String denied = deniedSparkSetting(String.valueOf(k));
        if (!String.valueOf(k).startsWith("spark.")) p.add("spark." + k, "Spark settings start with 'spark.'");
        else if (denied != null) p.add("spark." + k, denied);
        else if (v instanceof Map || v instanceof List) p.add("spark." + k, "must be a single value");
        else sparkConf.put(String.valueOf(k), String.valueOf(v));
      });
    }

    if (target != null && name != null) {
      // The view and the version tables share the schema; a view named like a version would collide.
      if (target.view() != null && Names.versionTablePattern(name).matcher(target.view()).matches()) {
        p.add("target.view", "'" + target.view() + "' looks like a version table of this pipeline");
      }
      if (target.geometry() != null && target.key().contains(target.geometry().column())) {
        p.add("target.key", "the geometry column can't be part of the key");
      }
    }
    p.throwIfAny(location);
    return new PipelineSpec(name, schedule, target, sources, transformLocation, transformSql, policy,
        checks, sparkConf, location);
  }

  private Target target(Problems p, Map<?, ?> top) {
    Map<?, ?> t = p.map(top, "target", true);
    if (t == null) return null;
    p.unknownKeys("target.", t, TARGET_KEYS);
    String schema = p.identifier(t, "target.schema", "schema", true);
    String view = p.identifier(t, "target.view", "view", true);
    List<String> key = p.identifierList(t, "target.key", "key", true);
    if (key != null && key.isEmpty()) p.add("target.key", "must name at least one column");

    GeometryColumn geometry = null;
    Map<?, ?> g = p.map(t, "geometry", "target.geometry", true);
    if (g != null) {
      p.unknownKeys("target.geometry.", g, GEOMETRY_KEYS);
      String column = p.identifier(g, "target.geometry.column", "column", true);
      Integer srid = p.integer(g, "target.geometry.srid", "srid", true, 1, 998999);
      String type = p.string(g, "type", "target.geometry.type", false);
      if (type == null) type = "Geometry";
      String canonical = GEOMETRY_TYPES.stream().filter(x -> x.equalsIgnoreCase(String.valueOf(g.get("type")))).findFirst().orElse(null);
      if (g.get("type") != null && canonical == null) p.add("target.geometry.type", "'" + type + "' is not one of " + GEOMETRY_TYPES);
      geometry = new GeometryColumn(column, srid == null ? 0 : srid, canonical == null ? "Geometry" : canonical);
    }

    List<IndexSpec> indexes = new ArrayList<>();
    Object idx = t.get("indexes");
    if (idx != null && !(idx instanceof List)) {
      p.add("target.indexes", "must be a list");
    } else if (idx != null) {
      List<?> list = (List<?>) idx;
      if (list.size() > MAX_INDEXES) p.add("target.indexes", "at most " + MAX_INDEXES + " indexes");
      for (int i = 0; i < list.size(); i++) {
        String k = "target.indexes[" + i + "]";
        if (!(list.get(i) instanceof Map<?, ?> im)) {
          p.add(k, "must be a mapping like {columns: [geom], method: gist}");
          continue;
        }
        p.unknownKeys(k + ".", im, INDEX_KEYS);
        List<String> cols = p.identifierList(im, k + ".columns", "columns", true);
        if (cols != null && cols.isEmpty()) p.add(k + ".columns", "must name at least one column");
        String method = p.string(im, "method", k + ".method", false);
        if (method == null) method = "btree";
        if (!INDEX_METHODS.contains(method)) p.add(k + ".method", "'" + method + "' is not one of " + INDEX_METHODS);
        indexes.add(new IndexSpec(cols == null ? List.of() : cols, method));
      }
    }
    Integer retain = p.integer(t, "target.retain", "retain", false, 0, 100);
    return new Target(schema, view, key == null ? List.of() : key, geometry, indexes, retain == null ? 2 : retain);
  }

  private Map<String, Source> sources(Problems p, Map<?, ?> top) {
    Map<String, Source> sources = new LinkedHashMap<>();
    Map<?, ?> s = p.map(top, "sources", true);
    if (s == null) return sources;
    if (s.isEmpty()) p.add("sources", "must name at least one source");
    int order = 0;
    for (Map.Entry<?, ?> e : s.entrySet()) {
      String alias = String.valueOf(e.getKey());
      String k = "sources." + alias;
      p.check(k, Sql.identifierProblem(alias));
      if (!(e.getValue() instanceof Map<?, ?> src)) {
        p.add(k, "must be a mapping like {table: public.zones}");
        continue;
      }
      p.unknownKeys(k + ".", src, SOURCE_KEYS);
      String table = p.string(src, "table", k + ".table", true);
      String schemaName = "public";
      String tableName = table;
      if (table != null) {
        String[] parts = table.split("\\.", -1);
        if (parts.length > 2) {
          p.add(k + ".table", "'" + table + "' must be table or schema.table");
        } else {
          if (parts.length == 2) {
            schemaName = parts[0];
            tableName = parts[1];
          }
          p.check(k + ".table", Sql.identifierProblem(schemaName));
          p.check(k + ".table", Sql.identifierProblem(tableName));
        }
      }
      String partitionColumn = p.identifier(src, k + ".partition_column", "partition_column", false);
      Integer partitions = p.integer(src, k + ".partitions", "partitions", false, 1, 10000);
      String where = p.string(src, "where", k + ".where", false);
      placeholders(p, k + ".where", where, false);
      p.check(k + ".where", SpecSql.whereProblem(where));
      Boolean allowEmpty = p.bool(src, k + ".allow_empty", "allow_empty");
      sources.put(alias, new Source(alias, schemaName, tableName, partitionColumn, partitions, where,
          Boolean.TRUE.equals(allowEmpty), order++));
    }
    return sources;
  }

  private Checks checks(Problems p, Map<?, ?> top) {
    Map<?, ?> c = p.map(top, "checks", false);
    if (c == null) return Checks.defaults();
    p.unknownKeys("checks.", c, CHECK_KEYS);
    Integer minRows = p.integer(c, "checks.min_rows", "min_rows", false, 0, Integer.MAX_VALUE);
    Double maxChange = p.number(c, "checks.max_change_pct", "max_change_pct");
    if (maxChange != null && maxChange < 0) p.add("checks.max_change_pct", "must be ≥ 0");
    String expected = p.string(c, "expected_rows_sql", "checks.expected_rows_sql", false);
    placeholders(p, "checks.expected_rows_sql", expected, true);
    p.check("checks.expected_rows_sql", SpecSql.queryProblem(expected));
    List<String> notNull = p.identifierList(c, "checks.not_null", "not_null", false);
    Boolean valid = p.bool(c, "checks.valid_geometry", "valid_geometry");
    List<String> sql = new ArrayList<>();
    Object raw = c.get("sql");
    if (raw != null && !(raw instanceof List)) {
      p.add("checks.sql", "must be a list of SQL queries");
    } else if (raw != null) {
      List<?> list = (List<?>) raw;
      for (int i = 0; i < list.size(); i++) {
        if (!(list.get(i) instanceof String q) || q.isBlank()) {
          p.add("checks.sql[" + i + "]", "must be a SQL query returning one boolean");
        } else {
          placeholders(p, "checks.sql[" + i + "]", q, true);
          p.check("checks.sql[" + i + "]", SpecSql.queryProblem(q));
          sql.add(q);
        }
      }
    }
    // An empty result is never published by accident (an upstream TRUNCATE would empty the live view):
    // min_rows defaults to 1, and a spec that means it sets 0.
    return new Checks(minRows == null ? Checks.DEFAULT_MIN_ROWS : minRows.longValue(), maxChange, expected,
        notNull == null ? List.of() : notNull, Boolean.TRUE.equals(valid), sql);
  }

  /**
   * Spark settings a spec may not make: those that load code or files into the job's JVMs or re-open what
   * the job closes (reading files from SQL). Tuning (shuffle partitions, memory, adaptive execution,
   * Sedona's join settings) stays the spec's. The job's operator sets these elsewhere (spark-submit).
   */
  private static final List<String> DENIED_SPARK_PREFIXES = List.of(
      "spark.sql.runSQLOnFiles", "spark.sql.extensions", "spark.sql.catalog", "spark.jars", "spark.files",
      "spark.archives", "spark.plugins", "spark.driver.extra", "spark.executor.extra", "spark.executorEnv.",
      "spark.driverEnv.", "spark.submit.", "spark.hadoop.", "spark.kryo.", "spark.serializer",
      "spark.redaction.", "spark.sql.redaction.", "spark.eventLog.", "spark.geoswap.", "spark.authenticate",
      "spark.network.crypto", "spark.ssl.", "spark.io.encryption");

  static String deniedSparkSetting(String key) {
    for (String prefix : DENIED_SPARK_PREFIXES) {
      if (key.startsWith(prefix)) {
        return "a spec may not set " + prefix + "* (it loads code or files, or opens what the job closes)";
      }
    }
    return null;
  }

  private static void placeholders(Problems p, String key, String text, boolean check) {
    for (String used : Placeholders.used(text)) {
      if (!Placeholders.KNOWN.contains(used)) {
        p.add(key, "unknown placeholder ${" + used + "} (known: " + new java.util.TreeSet<>(Placeholders.KNOWN) + ")");
      } else if (!check && Placeholders.CHECK_ONLY.contains(used)) {
        p.add(key, "${" + used + "} exists only in checks");
      }
    }
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  /** Collects problems while reading typed values out of YAML maps. */
  private static final class Problems {
    private final List<String> list = new ArrayList<>();

    void add(String key, String problem) {
      list.add(key + ": " + problem);
    }

    void check(String key, String problemOrNull) {
      if (problemOrNull != null) add(key, problemOrNull);
    }

    void throwIfAny(String location) {
      if (!list.isEmpty()) throw new SpecException(location, list);
    }

    void unknownKeys(String prefix, Map<?, ?> m, Set<String> known) {
      for (Object k : m.keySet()) {
        if (!known.contains(String.valueOf(k))) {
          add(prefix + k, "unknown key (known: " + new java.util.TreeSet<>(known) + ")");
        }
      }
    }

    Object required(Map<?, ?> m, String field, String key, boolean required) {
      Object v = m.get(field);
      if (v == null && required) add(key, "is required");
      return v;
    }

    Map<?, ?> map(Map<?, ?> m, String field, boolean required) {
      return map(m, field, field, required);
    }

    Map<?, ?> map(Map<?, ?> m, String field, String key, boolean required) {
      Object v = required(m, field, key, required);
      if (v == null) return null;
      if (v instanceof Map<?, ?> mm) return mm;
      add(key, "must be a mapping");
      return null;
    }

    String string(Map<?, ?> m, String field, boolean required) {
      return string(m, field, field, required);
    }

    String string(Map<?, ?> m, String field, String key, boolean required) {
      Object v = required(m, field, key, required);
      if (v == null) return null;
      if (v instanceof Map || v instanceof List) {
        add(key, "must be a single value");
        return null;
      }
      return String.valueOf(v);
    }

    String identifier(Map<?, ?> m, String key, String field, boolean required) {
      String v = string(m, field, key, required);
      if (v != null) check(key, Sql.identifierProblem(v));
      return v;
    }

    List<String> identifierList(Map<?, ?> m, String key, String field, boolean required) {
      Object v = required(m, field, key, required);
      if (v == null) return null;
      List<?> raw = v instanceof List<?> l ? l : List.of(v);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < raw.size(); i++) {
        String s = String.valueOf(raw.get(i));
        check(key + "[" + i + "]", Sql.identifierProblem(s));
        out.add(s);
      }
      return out;
    }

    Integer integer(Map<?, ?> m, String key, String field, boolean required, int min, int max) {
      Object v = required(m, field, key, required);
      if (v == null) return null;
      if (!(v instanceof Integer i)) {
        add(key, "'" + v + "' is not a whole number");
        return null;
      }
      if (i < min || i > max) {
        add(key, i + " is outside " + min + ".." + max);
        return null;
      }
      return i;
    }

    Double number(Map<?, ?> m, String key, String field) {
      Object v = m.get(field);
      if (v == null) return null;
      if (v instanceof Number n) return n.doubleValue();
      add(key, "'" + v + "' is not a number");
      return null;
    }

    Boolean bool(Map<?, ?> m, String key, String field) {
      Object v = m.get(field);
      if (v == null) return null;
      if (v instanceof Boolean b) return b;
      add(key, "'" + v + "' is not true or false");
      return null;
    }
  }
}
