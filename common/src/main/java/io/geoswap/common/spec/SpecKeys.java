package io.geoswap.common.spec;

import io.geoswap.common.Durations;
import io.geoswap.common.Names;
import io.geoswap.common.Sql;
import io.geoswap.common.spec.PipelineSpec.Checks;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import io.geoswap.common.spec.SpecKey.Rule;
import io.geoswap.common.spec.SpecType.Choice;
import io.geoswap.common.spec.SpecType.Decimal;
import io.geoswap.common.spec.SpecType.Entries;
import io.geoswap.common.spec.SpecType.Flag;
import io.geoswap.common.spec.SpecType.ListOf;
import io.geoswap.common.spec.SpecType.Mapping;
import io.geoswap.common.spec.SpecType.Text;
import io.geoswap.common.spec.SpecType.WholeNumber;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The pipeline spec's keys, each declared once: {@link SpecLoader} reads specs with them, and the README's
 * table of keys and {@code pipelines/geoswap-spec.schema.json} are generated from them (SpecDocsTest).
 * Children are declared before the mapping that holds them; the mapping's order is the docs' order.
 */
final class SpecKeys {
  private SpecKeys() {}

  /** What {@link Sql#identifierProblem} accepts (SpecDocsTest holds them together). */
  static final Pattern IDENTIFIER =
      Pattern.compile("^[a-z_][a-z0-9_]{0," + (Sql.MAX_IDENTIFIER_BYTES - 1) + "}$");
  /** A 5-field cron expression or a preset like {@code @daily} (Airflow's schedules). */
  static final Pattern SCHEDULE_PATTERN = Pattern.compile("^(?:@[\\s\\S]*|\\s*\\S+(?:\\s+\\S+){4}\\s*)$");
  /** A duration as a spec writes it: {@code 90s}, {@code 30m}, {@code 2h} (see {@link Durations}). */
  static final Pattern DURATION = Pattern.compile("^[0-9]+(?:ms|s|m|h|d)$");
  /** Index methods that make sense on a result table (PostgreSQL docs, "11.2 Index Types"). */
  static final List<String> INDEX_METHODS = List.of("btree", "gist", "brin", "hash", "spgist", "gin");
  /** PostGIS geometry subtypes allowed as the column's type modifier. */
  static final List<String> GEOMETRY_TYPES = List.of("Geometry", "Point", "LineString", "Polygon", "MultiPoint",
      "MultiLineString", "MultiPolygon", "GeometryCollection");
  /** Index names end in _i0.._i9 (see {@link Names#indexName}). */
  static final int MAX_INDEXES = 10;
  /** The largest SRID PostGIS accepts for a user-defined reference system (SRID_USR_MAX). */
  static final int MAX_SRID = 998999;
  /**
   * Spark settings a spec may not make: those that load code or files into the job's JVMs or re-open what
   * the job closes (reading files from SQL). Tuning (shuffle partitions, memory, adaptive execution,
   * Sedona's join settings) stays the spec's. The job's operator sets these elsewhere (spark-submit).
   */
  static final List<String> DENIED_SPARK_PREFIXES = List.of(
      "spark.sql.runSQLOnFiles", "spark.sql.extensions", "spark.sql.catalog", "spark.jars", "spark.files",
      "spark.archives", "spark.plugins", "spark.driver.extra", "spark.executor.extra", "spark.executorEnv.",
      "spark.driverEnv.", "spark.submit.", "spark.hadoop.", "spark.kryo.", "spark.serializer",
      "spark.redaction.", "spark.sql.redaction.", "spark.eventLog.", "spark.geoswap.", "spark.authenticate",
      "spark.network.crypto", "spark.ssl.", "spark.io.encryption");
  /** A setting that starts with {@code spark.} and with none of {@link #DENIED_SPARK_PREFIXES}. */
  static final Pattern SPARK_SETTING = Pattern.compile("^(?!" + DENIED_SPARK_PREFIXES.stream()
      .map(p -> p.replace(".", "\\.")).collect(Collectors.joining("|", "(?:", ")")) + ")spark\\.[\\s\\S]*$");
  private static final String IDENTIFIER_BODY = IDENTIFIER.pattern().substring(1, IDENTIFIER.pattern().length() - 1);
  /** {@code table} or {@code schema.table}. */
  static final Pattern TABLE = Pattern.compile("^(?:" + IDENTIFIER_BODY + "\\.)?" + IDENTIFIER_BODY + "$");

  // ---- target.geometry
  static final SpecKey<String> GEOMETRY_COLUMN = SpecKey.of("column", identifier()).required()
      .describedAs("its name");
  static final SpecKey<Integer> GEOMETRY_SRID = SpecKey.of("srid", new WholeNumber(1, MAX_SRID)).required()
      .describedAs("its SRID; geometries without one (aggregates drop it) get it");
  static final SpecKey<String> GEOMETRY_TYPE = SpecKey.of("type", new Choice(GEOMETRY_TYPES, true))
      .withDefault("Geometry")
      .describedAs("its PostGIS subtype (`Geometry` accepts any)");

  // ---- target.indexes[]
  static final SpecKey<List<String>> INDEX_COLUMNS = SpecKey.of("columns", identifiers(1)).required()
      .describedAs("the indexed columns");
  static final SpecKey<String> INDEX_METHOD = SpecKey.of("method", new Choice(INDEX_METHODS, false))
      .withDefault("btree")
      .describedAs("the index's method (PostgreSQL docs, \"11.2 Index Types\")");

  // ---- target
  static final SpecKey<String> TARGET_SCHEMA = SpecKey.of("schema", identifier()).required()
      .describedAs("the schema the version tables and the stable view live in");
  static final SpecKey<String> TARGET_VIEW = SpecKey.of("view", identifier()).required()
      .describedAs("the stable view readers query; publishing a version points it at the version's table");
  static final SpecKey<List<String>> TARGET_KEY = SpecKey.of("key", identifiers(1)).required()
      .describedAs("unique key of the result (a unique index is built on it; duplicates fail the build with exit"
          + " 3); not the geometry column");
  static final SpecKey<SpecValues> TARGET_GEOMETRY =
      SpecKey.of("geometry", new Mapping(List.of(GEOMETRY_COLUMN, GEOMETRY_SRID, GEOMETRY_TYPE), null))
          .absentMeans("no declared geometry")
          .describedAs("the result's geometry column, which becomes `geometry(type, srid)`; without it a result"
              + " may have no geometry at all (statistics per region), and any geometry column it has is"
              + " typed `geometry(Geometry, srid)` from its data (one SRID per column)");
  static final SpecKey<List<SpecValues>> TARGET_INDEXES = SpecKey.of("indexes",
          new ListOf<>(SpecKey.of("[]", new Mapping(List.of(INDEX_COLUMNS, INDEX_METHOD),
                  "{columns: [geom], method: gist}")),
              false, 0, null, MAX_INDEXES, "at most " + MAX_INDEXES + " indexes", "must be a list"))
      .withDefault(List.of(), "none")
      .describedAs("indexes built on every version, beside the key's unique index");
  static final SpecKey<Integer> TARGET_RETAIN = SpecKey.of("retain", new WholeNumber(0, 100)).withDefault(2)
      .describedAs("previous versions kept for rollback");
  static final SpecKey<SpecValues> TARGET = SpecKey.of("target", new Mapping(
          List.of(TARGET_SCHEMA, TARGET_VIEW, TARGET_KEY, TARGET_GEOMETRY, TARGET_INDEXES, TARGET_RETAIN), null))
      .required()
      .describedAs("where the result goes and how it is published")
      .rule((target, key, spec) -> {
        SpecValues geometry = target.get(TARGET_GEOMETRY);
        List<String> columns = target.get(TARGET_KEY);
        if (geometry != null && columns != null && columns.contains(geometry.get(GEOMETRY_COLUMN))) {
          spec.add(key + "." + TARGET_KEY.name(), "the geometry column can't be part of the key");
        }
      });

  // ---- sources.<alias>
  static final SpecKey<String> SOURCE_TABLE =
      SpecKey.of("table", SpecType.text("`[schema.]table`", TABLE, SpecKeys::tableProblem)).required()
          .describedAs("the table (in schema `public` when it names none)");
  static final SpecKey<String> SOURCE_PARTITION_COLUMN = SpecKey.of("partition_column", identifier())
      .absentMeans("one partition")
      .describedAs("a numeric/date/timestamp column that splits the read (one binary COPY, or JDBC query, per"
          + " range) into `partitions` ranges between its min and max");
  static final SpecKey<Integer> SOURCE_PARTITIONS = SpecKey.of("partitions", new WholeNumber(1, 10000))
      .absentMeans("Spark's default parallelism")
      .describedAs("how many ranges `partition_column` splits the read into");
  static final SpecKey<String> SOURCE_WHERE = SpecKey.of("where", SpecType.text("SQL expression"))
      .describedAs("a filter pushed down to PostgreSQL: one boolean expression (what follows WHERE; parsed: no"
          + " statements, no `;`)")
      .rule(placeholders(false))
      .rule(SpecSql::whereProblem);
  static final SpecKey<Boolean> SOURCE_ALLOW_EMPTY = SpecKey.of("allow_empty", new Flag()).withDefault(false)
      .describedAs("whether an empty source is fine (else it fails the build)");

  // ---- checks
  static final SpecKey<Integer> CHECK_MIN_ROWS =
      SpecKey.of("min_rows", new WholeNumber(0, Integer.MAX_VALUE))
          .withDefault((int) Checks.DEFAULT_MIN_ROWS, "`" + Checks.DEFAULT_MIN_ROWS + "`")
          .describedAs("the fewest rows the result may have: an empty result is never published by accident (an"
              + " upstream TRUNCATE would empty the live view); set 0 to allow it");
  static final SpecKey<Double> CHECK_MAX_CHANGE_PCT = SpecKey.of("max_change_pct", new Decimal(0))
      .describedAs("the largest change of the row count against the live version, in percent");
  static final SpecKey<Boolean> CHECK_DIFF = SpecKey.of("diff", new Flag()).withDefault(true)
      .describedAs("whether validate compares the new version with the live one by key (what changed: keys"
          + " added, removed, changed; per column the rows changed, the largest change, the change of its sum;"
          + " recorded with the version, shown by `status`, written by `validate --report`)");
  static final SpecKey<Double> CHECK_DIFF_FLOAT_TOLERANCE = SpecKey.of("diff_float_tolerance", new Decimal(0))
      .withDefault(Checks.DEFAULT_DIFF_FLOAT_TOLERANCE, "`1e-9`")
      .describedAs("the relative difference under which the diff counts two float or numeric values as the same"
          + " (sums differ in their last bits with the order of addition)");
  static final SpecKey<Double> CHECK_DIFF_GEOMETRY_TOLERANCE = SpecKey.of("diff_geometry_tolerance", new Decimal(0))
      .withDefault(0.0, "`0` (equal geometries)")
      .describedAs("the Hausdorff distance, in the SRID's units, under which the diff counts two geometries as the"
          + " same (an overlay's unions may differ by ~1e-9° from run to run: JTS noding)");
  static final SpecKey<Double> CHECK_MAX_CHANGED_PCT = SpecKey.of("max_changed_pct", new Decimal(0))
      .describedAs("the largest share of keys whose row changed against the live version, in percent: keys"
          + " added, removed, or with any value beyond the comparison's tolerances, over all keys of both");
  static final SpecKey<Map<String, Double>> CHECK_MAX_COLUMN_CHANGE_PCT = SpecKey.of("max_column_change_pct",
          new Entries<>(SpecKey.of("<column>", identifier()), SpecKey.of("<column>", new Decimal(0)), 1,
              "must name at least one column"))
      .describedAs("per numeric column, the largest relative change of its sum against the live version, in"
          + " percent (`{area_m2: 5}`)");
  static final SpecKey<String> CHECK_TIMEOUT = SpecKey.of("timeout", SpecType.text("duration", DURATION,
          SpecKeys::checkTimeoutProblem))
      .withDefault(Checks.DEFAULT_TIMEOUT, "`" + Checks.DEFAULT_TIMEOUT + "`")
      .describedAs("the bound on each check's statement (validate's own; promote keeps its short"
          + " `--statement-timeout`); a check that runs into it fails validate with exit 3 and its name");
  static final SpecKey<String> CHECK_EXPECTED_ROWS_SQL = SpecKey.of("expected_rows_sql", SpecType.text("SQL query"))
      .describedAs("one statement returning one whole number: the result's row count")
      .rule(placeholders(true))
      .rule(SpecSql::queryProblem);
  static final SpecKey<List<String>> CHECK_NOT_NULL = SpecKey.of("not_null", identifiers(0))
      .withDefault(List.of(), "none")
      .describedAs("columns without NULLs");
  static final SpecKey<Boolean> CHECK_VALID_GEOMETRY = SpecKey.of("valid_geometry", new Flag()).withDefault(false)
      .describedAs("whether every geometry must be valid (ST_IsValid)");
  static final SpecKey<List<String>> CHECK_SQL = SpecKey.of("sql", new ListOf<>(
          SpecKey.of("[]", new Text("SQL query", null, null, true, "must be a SQL query returning one boolean"))
              .rule(placeholders(true))
              .rule(SpecSql::queryProblem),
          false, 0, null, Integer.MAX_VALUE, null, "must be a list of SQL queries"))
      .withDefault(List.of(), "none")
      .describedAs("queries, each one statement returning exactly one row with one boolean; NULL fails");

  // ---- the spec
  static final SpecKey<String> NAME =
      SpecKey.of("name", SpecType.text("text", Names.PIPELINE, Names::pipelineProblem)).required()
          .describedAs("`" + Names.PIPELINE.pattern() + "`, and the spec's file name (`<name>.yaml`); versions are"
              + " tables `<name>_v<version>` (version `" + Names.VERSION.pattern() + "`, so every table and index"
              + " name fits PostgreSQL's 63 bytes)")
          // The launcher and the DAG know a pipeline by its file before they can read it (an s3:// spec).
          .rule((name, key, spec) -> {
            if (!name.equals(spec.fileName())) {
              spec.add(key, "'" + name + "' must match the file name (" + name + ".yaml)");
            }
          });
  static final SpecKey<String> SCHEDULE = SpecKey.of("schedule", SpecType.text("text", SCHEDULE_PATTERN,
          s -> SCHEDULE_PATTERN.matcher(s).matches() ? null
              : "'" + s + "' is neither a 5-field cron expression nor a preset like @daily"))
      .absentMeans("manual only")
      .describedAs("cron (5 fields) or a preset (`@daily`), for the DAG; `@assets`: whenever one of its sources'"
          + " Airflow assets is updated (another pipeline's view after a publish), a run without a logical date");
  static final SpecKey<Map<String, SpecValues>> SOURCES = SpecKey.of("sources", new Entries<>(
          SpecKey.of("<alias>", identifier()),
          SpecKey.of("<alias>", new Mapping(List.of(SOURCE_TABLE, SOURCE_PARTITION_COLUMN, SOURCE_PARTITIONS,
              SOURCE_WHERE, SOURCE_ALLOW_EMPTY), "{table: public.zones}")),
          1, "must name at least one source"))
      .required()
      .describedAs("the source tables by alias; each is a temp view `<alias>` in the SQL");
  static final SpecKey<String> TRANSFORM = SpecKey.of("transform", SpecType.text("path")).required()
      .describedAs("Sedona SQL file, relative to the spec and inside its folder (no absolute path, no `.`/`..`"
          + " segments, no symlink leading out; under an S3 spec's prefix); one query, no `reflect`/`java_method`")
      .rule((file, key, spec) -> {
        String outside = spec.files().containmentProblem(spec.location(), file);
        if (outside != null) spec.add(key, outside);
      });
  static final SpecKey<String> ON_INVALID_GEOMETRY = SpecKey.of("on_invalid_geometry", new Choice(
          Arrays.stream(InvalidGeometryPolicy.values()).map(InvalidGeometryPolicy::yamlName).toList(), true))
      .withDefault(InvalidGeometryPolicy.FAIL.yamlName())
      .describedAs("what the job does with invalid or NULL source geometries: `fail` (exit 3 with the count and"
          + " the first offending keys and reasons), `make_valid` (ST_MakeValid; NULLs still fail), `drop` (leave"
          + " the rows out, logged)");
  static final SpecKey<SpecValues> CHECKS = SpecKey.of("checks", new Mapping(List.of(CHECK_MIN_ROWS,
          CHECK_MAX_CHANGE_PCT, CHECK_DIFF, CHECK_DIFF_FLOAT_TOLERANCE, CHECK_DIFF_GEOMETRY_TOLERANCE,
          CHECK_MAX_CHANGED_PCT, CHECK_MAX_COLUMN_CHANGE_PCT, CHECK_EXPECTED_ROWS_SQL,
          CHECK_NOT_NULL, CHECK_VALID_GEOMETRY, CHECK_SQL, CHECK_TIMEOUT), null))
      .withDefault(SpecValues.none(), "its keys' defaults")
      .describedAs("data checks, run by the validate step in a READ ONLY transaction")
      .rule((checks, key, spec) -> {
        if (Boolean.FALSE.equals(checks.get(CHECK_DIFF))) {
          for (SpecKey<?> gate : List.of(CHECK_MAX_CHANGED_PCT, CHECK_MAX_COLUMN_CHANGE_PCT)) {
            if (checks.get(gate) != null) {
              spec.add(key + "." + gate.name(), "needs the diff: remove it or set " + key + ".diff: true");
            }
          }
        }
      });
  static final SpecKey<Map<String, String>> SPARK = SpecKey.of("spark", new Entries<>(
          SpecKey.of("<setting>", SpecType.text("`spark.*`", SPARK_SETTING, SpecKeys::sparkSettingProblem)),
          SpecKey.of("<setting>", SpecType.text("single value")), 0, null))
      .withDefault(Map.of(), "none")
      .describedAs("extra Spark settings for this pipeline (`spark.sql.shuffle.partitions: 8`); settings that load"
          + " code or files or open what the job closes are refused: "
          + DENIED_SPARK_PREFIXES.stream().map(p -> "`" + p + "*`").collect(Collectors.joining(", ")));

  /** The whole spec; rules here span its keys. */
  static final SpecKey<SpecValues> SPEC = SpecKey.of("", new Mapping(List.of(NAME, SCHEDULE, TARGET, SOURCES,
          TRANSFORM, ON_INVALID_GEOMETRY, CHECKS, SPARK), null))
      .required()
      // The view and the version tables share the schema; a view named like a version would collide.
      .rule((spec, key, reading) -> {
        String name = spec.get(NAME);
        SpecValues target = spec.get(TARGET);
        String view = target == null ? null : target.get(TARGET_VIEW);
        if (name != null && view != null && Names.versionTablePattern(name).matcher(view).matches()) {
          reading.add("target.view", "'" + view + "' looks like a version table of this pipeline");
        }
      });

  static Text identifier() {
    return SpecType.text("identifier", IDENTIFIER, Sql::identifierProblem);
  }

  /** Identifiers, at least {@code minItems}; one identifier stands for a list of it. */
  static ListOf<String> identifiers(int minItems) {
    return new ListOf<>(SpecKey.of("[]", identifier()), true, minItems, "must name at least one column",
        Integer.MAX_VALUE, null, "must be a column or a list of columns");
  }

  /** {@code table} or {@code schema.table}: its schema (public when it names none) and its table. */
  static String[] tableParts(String table) {
    String[] parts = table.split("\\.", -1);
    return parts.length == 1 ? new String[] {"public", table} : parts;
  }

  static String tableProblem(String table) {
    String[] parts = tableParts(table);
    if (parts.length > 2) return "'" + table + "' must be table or schema.table";
    String problems = Stream.of(parts).map(Sql::identifierProblem).filter(Objects::nonNull)
        .collect(Collectors.joining("; "));
    return problems.isEmpty() ? null : problems;
  }

  static String sparkSettingProblem(String setting) {
    if (!setting.startsWith("spark.")) return "Spark settings start with 'spark.'";
    for (String prefix : DENIED_SPARK_PREFIXES) {
      if (setting.startsWith(prefix)) {
        return "a spec may not set " + prefix + "* (it loads code or files, or opens what the job closes)";
      }
    }
    return null;
  }

  /** Placeholders in {@code text}: only known ones, and {@code ${table}} only in checks. */
  static Rule<String> placeholders(boolean inChecks) {
    return (text, key, spec) -> placeholderProblems(text, inChecks).forEach(p -> spec.add(key, p));
  }

  static List<String> placeholderProblems(String text, boolean inChecks) {
    List<String> problems = new ArrayList<>();
    for (String used : Placeholders.used(text)) {
      if (Placeholders.sourceRowsOf(used) != null) {
        if (!inChecks) problems.add("${" + used + "} exists only in checks");
      } else if (!Placeholders.KNOWN.contains(used)) {
        problems.add("unknown placeholder ${" + used + "} (known: " + new TreeSet<>(Placeholders.KNOWN)
            + ", and source_rows.<source> in checks)");
      } else if (!inChecks && Placeholders.CHECK_ONLY.contains(used)) {
        problems.add("${" + used + "} exists only in checks");
      }
    }
    return problems;
  }

  /** A check timeout is a positive duration: 0 would silently mean no bound at all (PostgreSQL, statement_timeout). */
  static String checkTimeoutProblem(String d) {
    if (!DURATION.matcher(d).matches() || Durations.parseOrNull(d) == null) {
      return "'" + d + "' is not a duration like 90s, 30m or 2h";
    }
    return Durations.parseOrNull(d).isZero() ? "'" + d + "' must be longer than 0 (e.g. 90s, 30m or 2h)" : null;
  }
}
