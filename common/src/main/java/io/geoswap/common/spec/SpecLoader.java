package io.geoswap.common.spec;

import static io.geoswap.common.spec.SpecKeys.CHECKS;
import static io.geoswap.common.spec.SpecKeys.CHECK_DIFF;
import static io.geoswap.common.spec.SpecKeys.CHECK_DIFF_FLOAT_TOLERANCE;
import static io.geoswap.common.spec.SpecKeys.CHECK_DIFF_GEOMETRY_TOLERANCE;
import static io.geoswap.common.spec.SpecKeys.CHECK_EXPECTED_ROWS_SQL;
import static io.geoswap.common.spec.SpecKeys.CHECK_MAX_CHANGED_PCT;
import static io.geoswap.common.spec.SpecKeys.CHECK_MAX_COLUMN_CHANGE_PCT;
import static io.geoswap.common.spec.SpecKeys.CHECK_TIMEOUT;
import static io.geoswap.common.spec.SpecKeys.CHECK_MAX_CHANGE_PCT;
import static io.geoswap.common.spec.SpecKeys.CHECK_MIN_ROWS;
import static io.geoswap.common.spec.SpecKeys.CHECK_NOT_NULL;
import static io.geoswap.common.spec.SpecKeys.CHECK_SQL;
import static io.geoswap.common.spec.SpecKeys.CHECK_VALID_GEOMETRY;
import static io.geoswap.common.spec.SpecKeys.GEOMETRY_COLUMN;
import static io.geoswap.common.spec.SpecKeys.GEOMETRY_SRID;
import static io.geoswap.common.spec.SpecKeys.GEOMETRY_TYPE;
import static io.geoswap.common.spec.SpecKeys.INDEX_COLUMNS;
import static io.geoswap.common.spec.SpecKeys.INDEX_METHOD;
import static io.geoswap.common.spec.SpecKeys.NAME;
import static io.geoswap.common.spec.SpecKeys.ON_INVALID_GEOMETRY;
import static io.geoswap.common.spec.SpecKeys.SCHEDULE;
import static io.geoswap.common.spec.SpecKeys.SOURCES;
import static io.geoswap.common.spec.SpecKeys.SOURCE_ALLOW_EMPTY;
import static io.geoswap.common.spec.SpecKeys.SOURCE_PARTITIONS;
import static io.geoswap.common.spec.SpecKeys.SOURCE_PARTITION_COLUMN;
import static io.geoswap.common.spec.SpecKeys.SOURCE_TABLE;
import static io.geoswap.common.spec.SpecKeys.SOURCE_WHERE;
import static io.geoswap.common.spec.SpecKeys.SPARK;
import static io.geoswap.common.spec.SpecKeys.TARGET;
import static io.geoswap.common.spec.SpecKeys.TARGET_GEOMETRY;
import static io.geoswap.common.spec.SpecKeys.TARGET_INDEXES;
import static io.geoswap.common.spec.SpecKeys.TARGET_KEY;
import static io.geoswap.common.spec.SpecKeys.TARGET_RETAIN;
import static io.geoswap.common.spec.SpecKeys.TARGET_SCHEMA;
import static io.geoswap.common.spec.SpecKeys.TARGET_VIEW;
import static io.geoswap.common.spec.SpecKeys.TRANSFORM;

import io.geoswap.common.Durations;
import io.geoswap.common.spec.PipelineSpec.Checks;
import io.geoswap.common.spec.PipelineSpec.GeometryColumn;
import io.geoswap.common.spec.PipelineSpec.IndexSpec;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import io.geoswap.common.spec.PipelineSpec.Source;
import io.geoswap.common.spec.PipelineSpec.Target;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Parses and validates a pipeline spec before anything touches a database, with the keys {@link SpecKeys}
 * declares. It never stops at the first problem: every problem is collected with its key (e.g.
 * {@code target.key[1]}) and reported at once. Unknown keys are problems too, so a typo doesn't silently
 * fall back to a default. Then it reads the transform's SQL, and builds the {@link PipelineSpec}.
 */
public final class SpecLoader {
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
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      throw new SpecException(location, List.of("not valid YAML: " + oneLine(e.getMessage())));
    }
    if (!(root instanceof Map)) {
      throw new SpecException(location, List.of("must be a YAML mapping of keys (name, target, sources, transform …)"));
    }
    SpecReading reading = new SpecReading(location, files);
    SpecValues spec = SpecKeys.SPEC.read(root, "", reading);
    String transform = spec.get(TRANSFORM);
    String transformLocation = null;
    String transformSql = null;
    if (transform != null && spec.isValid(TRANSFORM)) { // not if it leads outside the spec's folder
      transformLocation = SpecFiles.resolve(location, transform);
      transformSql = transformSql(transformLocation, reading);
    }
    sourceRowsProblems(spec, reading);
    reading.throwIfAny();
    return new PipelineSpec(spec.get(NAME), spec.get(SCHEDULE), target(spec.get(TARGET)),
        sources(spec.get(SOURCES)), transformLocation, transformSql,
        InvalidGeometryPolicy.valueOf(spec.get(ON_INVALID_GEOMETRY).toUpperCase(Locale.ROOT)),
        checks(spec.get(CHECKS)), spec.get(SPARK), location);
  }

  /** The transform's text (read once, here), with its problems under the key {@code transform}. */
  private String transformSql(String transformLocation, SpecReading reading) {
    String sql = null;
    try {
      sql = files.read(transformLocation);
      if (sql.isBlank()) reading.add(TRANSFORM.name(), transformLocation + " is empty");
    } catch (RuntimeException e) {
      reading.add(TRANSFORM.name(), oneLine(e.getMessage()));
    }
    SpecKeys.placeholderProblems(sql, false).forEach(p -> reading.add(TRANSFORM.name(), p));
    return sql;
  }

  /** A check's {@code ${source_rows.<source>}} must name one of the spec's sources. */
  private static void sourceRowsProblems(SpecValues spec, SpecReading reading) {
    Map<String, SpecValues> sources = spec.get(SOURCES);
    SpecValues checks = spec.get(CHECKS);
    if (sources == null || checks == null) return;
    List<String> texts = new java.util.ArrayList<>();
    if (checks.get(CHECK_EXPECTED_ROWS_SQL) != null) texts.add(checks.get(CHECK_EXPECTED_ROWS_SQL));
    if (checks.get(CHECK_SQL) != null) texts.addAll(checks.get(CHECK_SQL));
    for (String text : texts) {
      for (String used : Placeholders.used(text)) {
        String source = Placeholders.sourceRowsOf(used);
        if (source != null && !sources.containsKey(source)) {
          reading.add(CHECKS.name(), "${" + used + "} names no source (sources: " + sources.keySet() + ")");
        }
      }
    }
  }

  private static Target target(SpecValues t) {
    SpecValues g = t.get(TARGET_GEOMETRY);
    List<IndexSpec> indexes = t.get(TARGET_INDEXES).stream()
        .map(i -> new IndexSpec(i.get(INDEX_COLUMNS), i.get(INDEX_METHOD))).toList();
    return new Target(t.get(TARGET_SCHEMA), t.get(TARGET_VIEW), t.get(TARGET_KEY),
        g == null ? null : new GeometryColumn(g.get(GEOMETRY_COLUMN), g.get(GEOMETRY_SRID), g.get(GEOMETRY_TYPE)), indexes,
        t.get(TARGET_RETAIN));
  }

  private static Map<String, Source> sources(Map<String, SpecValues> declared) {
    Map<String, Source> sources = new LinkedHashMap<>();
    declared.forEach((alias, s) -> {
      String[] table = SpecKeys.tableParts(s.get(SOURCE_TABLE));
      sources.put(alias, new Source(alias, table[0], table[1], s.get(SOURCE_PARTITION_COLUMN),
          s.get(SOURCE_PARTITIONS), s.get(SOURCE_WHERE), s.get(SOURCE_ALLOW_EMPTY), sources.size()));
    });
    return sources;
  }

  private static Checks checks(SpecValues c) {
    return new Checks(c.get(CHECK_MIN_ROWS).longValue(), c.get(CHECK_MAX_CHANGE_PCT), c.get(CHECK_DIFF),
        c.get(CHECK_DIFF_FLOAT_TOLERANCE), c.get(CHECK_DIFF_GEOMETRY_TOLERANCE), c.get(CHECK_MAX_CHANGED_PCT), c.get(CHECK_MAX_COLUMN_CHANGE_PCT), c.get(CHECK_EXPECTED_ROWS_SQL),
        c.get(CHECK_NOT_NULL), c.get(CHECK_VALID_GEOMETRY), c.get(CHECK_SQL),
        Durations.parseOrNull(c.get(CHECK_TIMEOUT)));
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }
}
