package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.geoswap.common.ExitCode;
import io.geoswap.job.JobRun;
import io.geoswap.job.TestSpark;
import io.geoswap.job.tools.ExampleData;
import io.geoswap.testkit.CliRun;
import io.geoswap.testkit.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code init --from-matview} on the example materialized views in a real PostGIS: the spec and SQL it
 * writes run as they are (the job on local Spark, then validate) and verify matches the view, with
 * verify's default tolerances, or the one init's report asks for (land_use_area's areas: JTS vs GEOS
 * overlays and GeoTools vs PROJ, up to 1.7e-9 relative, above the default 1e-9). Bad input: exit 3 with
 * the report naming what stopped it, and no SQL.
 */
class InitIT {
  private static SparkSession spark;
  private static TestDb db;
  @TempDir static Path out;

  @BeforeAll
  static void setUp() {
    spark = TestSpark.start("local[2]");
    db = TestDb.fresh("it_init");
    generate("zone_stats", "zones_x=12", "zones_y=10", "events=10000");
    generate("land_use_area", "regions_x=4", "regions_y=3", "polygons=3000");
    generate("road_length", "districts_x=5", "districts_y=4", "roads=3000");
    generate("transit_access", "wards_x=12", "wards_y=10", "hubs=20", "stops=2000", "inspections=5000");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  private static void generate(String example, String... params) {
    Path folder = TestDb.repoRoot().resolve("examples/" + example);
    ExampleData.generate(db.settings, folder, ExampleData.params(folder, List.of(params)), true);
  }

  /** init → the job → validate → verify (with {@code verifyArgs}); returns verify's JSON. */
  private static JsonNode portRunVerify(String view, String name, String... verifyArgs) throws Exception {
    CliRun init = InitRun.init(db.env, "--from-matview", "public." + view, "--out", out.toString());
    assertThat(init.exitCode()).as(init.toString()).isZero();
    assertThat(init.json().get("status").asText()).isEqualTo("ported");
    return runVerify(view, name, verifyArgs);
  }

  /** The job → validate → verify on what init wrote for {@code name}. */
  private static JsonNode runVerify(String view, String name, String... verifyArgs) throws Exception {
    Path spec = out.resolve(name + ".yaml");
    assertThat(spec).exists();
    assertThat(out.resolve(name + ".sql")).exists();
    assertThat(out.resolve(name + ".port.md")).exists();

    CliRun job = JobRun.of(db.env, "--spec", spec.toString(), "--version", "it1");
    assertThat(job.exitCode()).as(job.stderr()).isZero();
    CliRun validate = InitRun.swapTask(db.env, "validate", "--spec", spec.toString(), "--version", "it1");
    assertThat(validate.exitCode()).as(validate.toString()).isZero();
    List<String> args = new ArrayList<>(List.of("verify", "--spec", spec.toString(), "--against", "public." + view,
        "--version", "it1"));
    args.addAll(List.of(verifyArgs));
    CliRun verify = InitRun.swapTask(db.env, args.toArray(String[]::new));
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.json().get("status").asText()).isEqualTo("match");
    return verify.json();
  }

  @Test
  void zoneStatsPortsRunsAndMatchesItsViewWithDefaultTolerances() throws Exception {
    JsonNode v = portRunVerify("mv_zone_stats", "zone_stats");
    assertThat(v.get("matched_rows").asLong()).isEqualTo(120);
    String spec = Files.readString(out.resolve("zone_stats.yaml"));
    assertThat(spec).contains("key: [zone_id]", "geometry: {column: geom, srid: 4326, type: Polygon}",
        "events: {table: public.events, partition_column: id, where: \"ts < '2026-09-01 00:00:00+00'::timestamp with time zone\"}");
    String report = Files.readString(out.resolve("zone_stats.port.md"));
    assertThat(report).contains("**Ported**", "| 9 | `zones z LEFT JOIN events e ON st_contains(z.geom, e.geom)",
        "spatial join only for an INNER join");
  }

  @Test
  void roadLengthWithoutGeometryPortsRunsAndMatchesWithDefaultTolerances() throws Exception {
    JsonNode v = portRunVerify("mv_road_length", "road_length");
    assertThat(v.get("matched_rows").asLong()).isEqualTo(20);
    assertThat(Files.readString(out.resolve("road_length.yaml"))).doesNotContain("  geometry:");
  }

  @Test
  void landUseAreaMatchesWithinTheToleranceInitsReportAsksFor() throws Exception {
    String tolerance = "area_m2=" + SqlPort.OVERLAY_FLOAT_TOLERANCE;
    JsonNode v = portRunVerify("mv_land_use_area", "land_use_area", "--tolerance", tolerance);
    assertThat(v.get("matched_rows").asLong()).isPositive();
    String report = Files.readString(out.resolve("land_use_area.port.md"));
    assertThat(report).contains("--tolerance " + tolerance, "ST_Union(collect_list(", "'EPSG:4326', 'EPSG:3035'",
        "JTS (Sedona) and GEOS (PostGIS)");
    assertThat(Files.readString(out.resolve("land_use_area.yaml"))).contains("on_invalid_geometry: make_valid");
  }

  @Test
  void theEveryConstructExampleMatchesItsViewWithExactlyTheTolerancesInitMeasuredAndReported() throws Exception {
    CliRun init = InitRun.init(db.env, "--from-matview", "public.mv_transit_access", "--out", out.toString());
    assertThat(init.exitCode()).as(init.toString()).isZero();
    // The tolerances are init's: the overlay's (ST_Union of buffers) and the areas through EPSG:3035, from
    // its sample of GeoTools vs PROJ; none is written here.
    JsonNode floats = init.json().get("float_tolerances");
    assertThat(floats.fieldNames()).toIterable().containsExactlyInAnyOrder("area_m2", "covered_m2", "hull_m2");
    List<String> tolerances = new ArrayList<>();
    floats.fields().forEachRemaining(e -> tolerances.add(e.getKey() + "=" + e.getValue().asDouble()));
    String report = Files.readString(out.resolve("transit_access.port.md"));
    assertThat(report).contains("--tolerance " + String.join(",", tolerances));
    assertThat(report).containsPattern("\\| 59 \\| `EPSG:4326 → EPSG:3035` \\| sampled [0-9]+ points of .*public\\.wards\\.geom.*"
        + "at most [0-9.e-]+ m apart");
    JsonNode v = runVerify("mv_transit_access", "transit_access", "--tolerance", String.join(",", tolerances));
    assertThat(v.get("matched_rows").asLong()).isEqualTo(120);
    assertThat(db.count("SELECT count(*) FROM public.mv_transit_access WHERE stops = 0")).as("the LEFT JOIN's case")
        .isPositive();
  }

  @Test
  void filterStringAggGeographyDistanceAndFirstOfArrayAggPortRunAndMatch() throws Exception {
    db.exec("DROP MATERIALIZED VIEW IF EXISTS public.mv_extras; CREATE MATERIALIZED VIEW public.mv_extras AS"
        + " SELECT z.zone_id, count(*) FILTER (WHERE e.value > 50) AS big_events,"
        + " string_agg(e.category, ',' ORDER BY e.category) AS categories,"
        + " max(ST_Distance(ST_Centroid(z.geom)::geography, e.geom::geography)) AS farthest_m,"
        + " (array_agg(e.category ORDER BY e.id DESC NULLS LAST))[1] AS last_category"
        + " FROM public.zones z JOIN public.events e ON ST_Contains(z.geom, e.geom) GROUP BY z.zone_id;"
        + " CREATE UNIQUE INDEX ON public.mv_extras (zone_id)");
    JsonNode v = portRunVerify("mv_extras", "extras");
    assertThat(v.get("matched_rows").asLong()).isPositive();
    assertThat(Files.readString(out.resolve("extras.sql"))).contains("ST_DistanceSpheroid(ST_Centroid(z.geom), e.geom)",
        "array_sort(collect_list(e.category))", "FILTER (WHERE e.value > CAST(50 AS DOUBLE))",
        "max_by(e.category, e.id) AS last_category");
  }

  @Test
  void distinctOnPortsRunsAndKeepsTheRowPostgresqlKeepsWithNullsFirstDescending() throws Exception {
    db.exec("DROP MATERIALIZED VIEW IF EXISTS public.mv_top; CREATE MATERIALIZED VIEW public.mv_top AS"
        + " SELECT DISTINCT ON (e.category) e.category, e.id, e.value FROM public.events e"
        + " ORDER BY e.category, e.value DESC, e.id; CREATE UNIQUE INDEX ON public.mv_top (category)");
    assertThat(db.count("SELECT count(*) FROM public.mv_top WHERE value IS NULL")).as("NULLs come first descending")
        .isPositive();
    JsonNode v = portRunVerify("mv_top", "top");
    assertThat(v.get("matched_rows").asLong()).isEqualTo(12);
  }

  // ------------------------------------------------------------------------------------------ bad input

  private static CliRun init(String view, Path dir) {
    return InitRun.init(db.env, "--from-matview", view, "--out", dir.toString());
  }

  @Test
  void aMissingViewATableAndAPlainViewAreDataErrorsWithOneLine() throws Exception {
    Path dir = Files.createDirectories(out.resolve("bad"));
    db.exec("CREATE OR REPLACE VIEW public.v_zones AS SELECT zone_id FROM public.zones");
    CliRun missing = init("public.mv_nope", dir);
    assertThat(missing.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(missing.stderr()).contains("materialized view public.mv_nope does not exist");
    CliRun table = init("public.zones", dir);
    assertThat(table.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(table.stderr()).contains("public.zones is a table, not a materialized view");
    CliRun view = init("public.v_zones", dir);
    assertThat(view.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(view.stderr()).contains("public.v_zones is a view, not a materialized view");
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aViewWithoutAUniqueIndexGetsAReportAskingForAKeyAndNoSql() throws Exception {
    Path dir = Files.createDirectories(out.resolve("nokey"));
    db.exec("DROP MATERIALIZED VIEW IF EXISTS public.mv_nokey; CREATE MATERIALIZED VIEW public.mv_nokey AS"
        + " SELECT zone_id, name FROM public.zones");
    CliRun run = init("public.mv_nokey", dir);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(run.stderr()).contains("public.mv_nokey has no unique index: choose the key");
    assertThat(Files.readString(dir.resolve("nokey.port.md"))).contains("**none**", "CREATE UNIQUE INDEX ON public.mv_nokey");
    assertThat(dir.resolve("nokey.sql")).doesNotExist();
    assertThat(dir.resolve("nokey.yaml")).doesNotExist();
  }

  @Test
  void aUserDefinedFunctionIsRefusedWithItsLineAndNoSqlIsWritten() throws Exception {
    Path dir = Files.createDirectories(out.resolve("udf"));
    db.exec("CREATE OR REPLACE FUNCTION public.my_area(g geometry) RETURNS float8 LANGUAGE sql IMMUTABLE AS"
        + " 'SELECT ST_Area(g) * 2';"
        + " DROP MATERIALIZED VIEW IF EXISTS public.mv_udf; CREATE MATERIALIZED VIEW public.mv_udf AS"
        + " SELECT z.zone_id, z.name, my_area(z.geom) AS area FROM public.zones z;"
        + " CREATE UNIQUE INDEX ON public.mv_udf (zone_id)");
    CliRun run = init("public.mv_udf", dir);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(run.stderr()).contains("first at line 3: my_area(…)");
    String report = Files.readString(dir.resolve("udf.port.md"));
    assertThat(report).contains("**Not ported**", "## Not translated", "| 3 | `my_area(…)` |", "not in the translator's list",
        "No SQL was written");
    assertThat(dir.resolve("udf.sql")).doesNotExist();
    assertThat(dir.resolve("udf.yaml")).doesNotExist();
  }

  @Test
  void aRecursiveCteIsRefusedAsPostgresqlPrintsIt() throws Exception {
    Path dir = Files.createDirectories(out.resolve("rec"));
    db.exec("DROP MATERIALIZED VIEW IF EXISTS public.mv_rec; CREATE MATERIALIZED VIEW public.mv_rec AS"
        + " WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10)"
        + " SELECT z.zone_id, r.n FROM public.zones z JOIN r ON r.n = z.zone_id;"
        + " CREATE UNIQUE INDEX ON public.mv_rec (zone_id)");
    CliRun run = init("public.mv_rec", dir);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(Files.readString(dir.resolve("rec.port.md"))).contains("WITH RECURSIVE r", "recursive CTE");
    assertThat(dir.resolve("rec.sql")).doesNotExist();
  }
}
