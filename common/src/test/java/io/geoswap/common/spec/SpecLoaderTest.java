package io.geoswap.common.spec;

import static io.geoswap.common.spec.SpecFixtures.VALID;
import static io.geoswap.common.spec.SpecFixtures.loader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.ExitCode;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecLoaderTest {
  @Test
  void parsesTheIssuesExampleSpec() {
    PipelineSpec spec = loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(VALID, "p/zone_stats.yaml");
    assertThat(spec.name()).isEqualTo("zone_stats");
    assertThat(spec.target().key()).containsExactly("zone_id");
    assertThat(spec.target().geometry().srid()).isEqualTo(4326);
    assertThat(spec.target().geometry().type()).isEqualTo("Geometry");
    assertThat(spec.target().retain()).isEqualTo(3);
    assertThat(spec.sourceList()).extracting(PipelineSpec.Source::name).containsExactly("zones", "events");
    PipelineSpec.Source events = spec.sources().get("events");
    assertThat(events.schema()).isEqualTo("public");
    assertThat(events.partitions()).isEqualTo(8);
    assertThat(spec.transformLocation()).isEqualTo("p/zone_stats.sql");
    assertThat(spec.transformSql()).isEqualTo("SELECT 1");
    assertThat(spec.onInvalidGeometry()).isEqualTo(InvalidGeometryPolicy.MAKE_VALID);
    assertThat(spec.checks().sql()).hasSize(1);
    assertThat(spec.sparkConf()).containsEntry("spark.sql.shuffle.partitions", "4");
  }

  @Test
  void reportsEveryProblemAtOnceWithItsKey() {
    String yaml = """
        name: Zone-Stats
        target:
          schema: "public; drop table x"
          key: []
          geometry: {column: geom, srid: many}
          indexes: [{columns: [geom], method: rtree}]
          retian: 2
        sources:
          events: {table: a.b.c, partition_column: "id desc"}
        transform: missing.sql
        on_invalid_geometry: ignore
        checks: {sql: ["SELECT ${nope}"]}
        """;
    assertThatThrownBy(() -> loader(Map.of()).parse(yaml, "bad.yaml"))
        .isInstanceOfSatisfying(SpecException.class, e -> {
          assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE.code());
          assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("name: 'Zone-Stats'"))
              .anySatisfy(p -> assertThat(p).startsWith("target.schema: ").contains("not a safe identifier"))
              .anySatisfy(p -> assertThat(p).startsWith("target.view: is required"))
              .anySatisfy(p -> assertThat(p).startsWith("target.key: must name at least one column"))
              .anySatisfy(p -> assertThat(p).startsWith("target.geometry.srid: 'many' is not a whole number"))
              .anySatisfy(p -> assertThat(p).startsWith("target.indexes[0].method: 'rtree'"))
              .anySatisfy(p -> assertThat(p).startsWith("target.retian: unknown key"))
              .anySatisfy(p -> assertThat(p).startsWith("sources.events.table: 'a.b.c'"))
              .anySatisfy(p -> assertThat(p).startsWith("sources.events.partition_column: "))
              .anySatisfy(p -> assertThat(p).startsWith("transform: file not found: missing.sql"))
              .anySatisfy(p -> assertThat(p).startsWith("on_invalid_geometry: 'ignore'"))
              .anySatisfy(p -> assertThat(p).startsWith("checks.sql[0]: unknown placeholder ${nope}"));
          assertThat(e.getMessage()).startsWith("invalid spec bad.yaml: ");
        });
  }

  @Test
  void tablePlaceholderIsOnlyForChecks() {
    String yaml = VALID.replace("where: \"ts < '${logical_date}'\"", "where: \"id IN (SELECT id FROM ${table})\"");
    assertThatThrownBy(() -> loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(yaml, "p/zone_stats.yaml"))
        .hasMessageContaining("sources.events.where: ${table} exists only in checks");
  }

  @Test
  void aSpecThatTriesToRunStatementsOrReadOtherFilesIsRefusedWithEveryKey() {
    String yaml = VALID
        .replace("where: \"ts < '${logical_date}'\"", "where: \"true; DROP TABLE public.zones\"")
        .replace("transform: zone_stats.sql", "transform: ../../etc/passwd")
        .replace("expected_rows_sql: \"SELECT count(*) FROM public.zones\"",
            "expected_rows_sql: \"SELECT 1; DELETE FROM public.zones\"")
        .replace("- \"SELECT count(*) > 0 FROM ${table}\"", "- \"SELECT true; COMMIT; SELECT true\"")
        .replace("spark.sql.shuffle.partitions: 4", "spark.jars: /tmp/evil.jar");
    assertThatThrownBy(() -> loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(yaml, "p/zone_stats.yaml"))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).anySatisfy(
                p -> assertThat(p).startsWith("sources.events.where: must be one boolean expression"))
            .anySatisfy(p -> assertThat(p).startsWith("transform: '../../etc/passwd' must stay inside the spec's folder"))
            .anySatisfy(p -> assertThat(p).startsWith("checks.expected_rows_sql: holds 2 statements"))
            .anySatisfy(p -> assertThat(p).startsWith("checks.sql[0]: holds 3 statements"))
            .anySatisfy(p -> assertThat(p).startsWith("spark.spark.jars: a spec may not set")));
    assertThatThrownBy(() -> loader(Map.of()).parse(VALID.replace("transform: zone_stats.sql",
        "transform: /proc/self/environ"), "p/zone_stats.yaml"))
        .hasMessageContaining("transform: '/proc/self/environ' must be a path relative to the spec's folder");
  }

  @Test
  void minRowsDefaultsToOneAndZeroMeansEmptyIsFine() {
    String noChecks = VALID.substring(0, VALID.indexOf("checks:")) + VALID.substring(VALID.indexOf("spark:"));
    var files = loader(Map.of("p/zone_stats.sql", "SELECT 1"));
    assertThat(files.parse(noChecks, "p/zone_stats.yaml").checks().minRows()).isEqualTo(1);
    assertThat(files.parse(VALID.replace("  min_rows: 1\n", ""), "p/zone_stats.yaml").checks().minRows())
        .isEqualTo(1);
    assertThat(files.parse(VALID.replace("min_rows: 1", "min_rows: 0"), "p/zone_stats.yaml").checks().minRows()).isZero();
  }

  @Test
  void absentKeysReadAsTheirDeclaredDefaults() {
    String minimal = """
        name: zone_stats
        target:
          schema: public
          view: vw_zone_stats
          key: zone_id
          geometry: {column: geom, srid: 4326}
          indexes: [{columns: geom}]
        sources:
          zones: {table: zones}
        transform: zone_stats.sql
        """;
    PipelineSpec spec = loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(minimal, "p/zone_stats.yaml");
    assertThat(spec.schedule()).isNull();
    assertThat(spec.target().key()).containsExactly("zone_id");
    assertThat(spec.target().geometry().type()).isEqualTo("Geometry");
    assertThat(spec.target().indexes()).containsExactly(new PipelineSpec.IndexSpec(List.of("geom"), "btree"));
    assertThat(spec.target().retain()).isEqualTo(2);
    assertThat(spec.sources().get("zones")).isEqualTo(
        new PipelineSpec.Source("zones", "public", "zones", null, null, null, false, 0));
    assertThat(spec.onInvalidGeometry()).isEqualTo(InvalidGeometryPolicy.FAIL);
    assertThat(spec.checks()).isEqualTo(new PipelineSpec.Checks(1L, null, true, 1e-9, 0.0, null, Map.of(), null, List.of(), false, List.of(), java.time.Duration.ofMinutes(30)));
    assertThat(spec.sparkConf()).isEmpty();
  }

  @Test
  void aGeometryWithoutAColumnIsAProblemWithItsKey() {
    assertThatThrownBy(() -> loader(Map.of("p/zone_stats.sql", "SELECT 1"))
        .parse(VALID.replace("{column: geom, srid: 4326}", "{srid: 4326, type: polygon}"), "p/zone_stats.yaml"))
        .isInstanceOfSatisfying(SpecException.class,
            e -> assertThat(e.problems()).containsExactly("target.geometry.column: is required"));
  }

  @Test
  void rejectsNonMappingYaml() {
    assertThatThrownBy(() -> loader(Map.of()).parse("- a\n- b", "x.yaml")).hasMessageContaining("must be a YAML mapping");
    assertThatThrownBy(() -> loader(Map.of()).parse("name: [unclosed", "x.yaml")).hasMessageContaining("not valid YAML");
  }

  @Test
  void theShippedExamplePipelinesAreValid() {
    Path pipelines = Path.of(System.getProperty("user.dir")).getParent().resolve("pipelines");
    for (String name : new String[] {"zone_stats", "land_use_area"}) {
      PipelineSpec spec = new SpecLoader(SpecFiles.LOCAL).load(pipelines.resolve(name + ".yaml").toString());
      assertThat(spec.name()).isEqualTo(name);
      assertThat(spec.transformSql()).isNotBlank();
    }
  }

  @Test
  void theDiffGatesAndTheChecksTimeoutAreReadWithTheirDefaults() {
    String yaml = VALID.replace("  max_change_pct: 20\n",
        "  max_change_pct: 20\n  diff_geometry_tolerance: 1e-9\n  max_changed_pct: 12.5\n  max_column_change_pct: {events: 5, total_value: 0.5}\n"
            + "  timeout: 90m\n");
    PipelineSpec.Checks checks = loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(yaml, "p/zone_stats.yaml").checks();
    assertThat(checks.diff()).isTrue();
    assertThat(checks.maxChangedPct()).isEqualTo(12.5);
    assertThat(checks.maxColumnChangePct()).containsExactly(Map.entry("events", 5.0), Map.entry("total_value", 0.5));
    assertThat(checks.timeout()).isEqualTo(java.time.Duration.ofMinutes(90));
    assertThat(checks.diffGeometryTolerance()).isEqualTo(1e-9);
    PipelineSpec.Checks defaults = loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(VALID, "p/zone_stats.yaml").checks();
    assertThat(defaults.timeout()).isEqualTo(java.time.Duration.ofMinutes(30));
    assertThat(defaults.maxColumnChangePct()).isEmpty();
  }

  @Test
  void aGateWithoutTheDiffAndABadTimeoutOrColumnAreProblems() {
    String yaml = VALID.replace("  max_change_pct: 20\n",
        "  max_change_pct: 20\n  diff: false\n  max_changed_pct: 10\n  max_column_change_pct: {\"Bad Col\": -1}\n"
            + "  timeout: soon\n");
    assertThatThrownBy(() -> loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(yaml, "p/zone_stats.yaml"))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p).startsWith("checks.max_changed_pct: needs the diff"))
            .anySatisfy(p -> assertThat(p).startsWith("checks.max_column_change_pct.Bad Col: "))
            .anySatisfy(p -> assertThat(p).startsWith("checks.timeout: 'soon' is not a duration")));
  }

  @Test
  void aZeroCheckTimeoutIsAProblemThatSaysItMustBeLongerThanZero() {
    String yaml = VALID.replace("  max_change_pct: 20\n", "  max_change_pct: 20\n  timeout: 0s\n");
    assertThatThrownBy(() -> loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(yaml, "p/zone_stats.yaml"))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems())
            .containsExactly("checks.timeout: '0s' must be longer than 0 (e.g. 90s, 30m or 2h)"));
  }

  @Test
  void sourceRowsPlaceholdersExistInChecksOnlyAndMustNameASource() {
    String ok = VALID.replace("SELECT count(*) > 0 FROM ${table}", "SELECT sum(n) = ${source_rows.events} FROM ${table}");
    assertThat(loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(ok, "p/zone_stats.yaml").checks().sql())
        .containsExactly("SELECT sum(n) = ${source_rows.events} FROM ${table}");
    String bad = VALID.replace("SELECT count(*) > 0 FROM ${table}", "SELECT sum(n) = ${source_rows.evnts} FROM ${table}");
    assertThatThrownBy(() -> loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(bad, "p/zone_stats.yaml"))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems())
            .containsExactly("checks: ${source_rows.evnts} names no source (sources: [zones, events])"));
    assertThatThrownBy(() -> loader(Map.of("p/zone_stats.sql", "SELECT ${source_rows.events}")).parse(VALID, "p/zone_stats.yaml"))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems())
            .containsExactly("transform: ${source_rows.events} exists only in checks"));
  }
}
