package io.geoswap.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.geoswap.common.ExitCode;
import io.geoswap.job.JobMain;
import io.geoswap.job.tools.ExampleData;
import io.geoswap.swap.SwapTaskMain;
import io.geoswap.testkit.CliRun;
import io.geoswap.testkit.TestDb;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The migration's proof on the examples as a user runs it: each example's pipeline (pipelines/*.yaml, the
 * hand-written Sedona ports) is built by the job and {@code verify} compares the version with the
 * materialized view it replaces — exit 0 for each; and a perturbed copy of a real materialized view is
 * told apart, each kind of difference named with an example key (exit 3).
 */
class ExamplesVerifyIT {
  private static final Path ROOT = TestDb.repoRoot();
  private static TestDb db;

  @BeforeAll
  static void setUp() {
    System.setProperty("spark.master", "local[2]");
    db = TestDb.fresh("it_examples_verify");
  }

  @AfterAll
  static void stop() {
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    System.clearProperty("spark.master");
  }

  /** The example's data and materialized view, then its pipeline built as version {@code ver1}. */
  private static void build(String example, String... params) {
    Path folder = ROOT.resolve("examples/" + example);
    ExampleData.generate(db.settings, folder, ExampleData.params(folder, List.of(params)), true);
    CliRun built = CliRun.of((out, err) -> new JobMain(db.env, out), "--spec", ROOT.resolve("pipelines/" + example + ".yaml").toString(),
        "--version", "ver1", "--logical-date", "2026-09-01T00:00:00Z");
    assertThat(built.exitCode()).as(built.toString()).isZero();
  }

  private static CliRun verify(String example, String against, String... options) {
    List<String> args = new ArrayList<>(List.of("verify", "--spec", ROOT.resolve("pipelines/" + example + ".yaml").toString(),
        "--against", against));
    args.addAll(List.of(options));
    return CliRun.of((out, err) -> new SwapTaskMain(db.env, out, err), args.toArray(String[]::new));
  }

  private static void assertMatch(CliRun run) {
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.OK.code());
    assertThat(run.json().get("status").asText()).isEqualTo("match");
    assertThat(run.json().get("matched_rows").asLong()).isPositive();
  }

  @Test
  void eachExamplesPortMatchesItsMaterializedViewAndAPerturbedCopyIsToldApart() {
    build("zone_stats", "zones_x=12", "zones_y=10", "events=20000");
    assertMatch(verify("zone_stats", "public.mv_zone_stats"));

    // A copy of the real view, perturbed once per kind of difference.
    db.exec("DROP TABLE IF EXISTS public.mv_copy; CREATE TABLE public.mv_copy AS SELECT * FROM public.mv_zone_stats;"
        + " DELETE FROM public.mv_copy WHERE zone_id = 3;"
        + " INSERT INTO public.mv_copy SELECT 9999, name, events, total_value, avg_value, categories, geom"
        + "   FROM public.mv_zone_stats WHERE zone_id = 4;"
        + " UPDATE public.mv_copy SET total_value = total_value * 1.001 WHERE zone_id = 5;"
        + " UPDATE public.mv_copy SET geom = ST_Translate(geom, 0.001, 0) WHERE zone_id = 6;"
        + " ALTER TABLE public.mv_copy DROP COLUMN categories;");
    CliRun differs = verify("zone_stats", "public.mv_copy");
    assertThat(differs.exitCode()).as(differs.toString()).isEqualTo(ExitCode.DATA.code());
    JsonNode j = differs.json();
    assertThat(j.get("status").asText()).isEqualTo("differ");
    assertThat(j.at("/keys/extra/examples").toString()).contains("zone_id=3"); // deleted from the copy
    assertThat(j.at("/keys/missing/examples").toString()).contains("zone_id=9999"); // only in the copy
    assertThat(j.at("/columns/extra").toString()).contains("categories"); // dropped from the copy
    assertThat(differs.stderr()).contains("total_value: 1 rows differ", "at zone_id=5", "geom: 1 rows differ", "at zone_id=6",
        "keys missing from", "zone_id=9999", "keys not in public.mv_copy", "zone_id=3");

    build("road_length", "districts_x=5", "districts_y=4", "roads=3000");
    assertMatch(verify("road_length", "public.mv_road_length"));

    // The overlay: JTS and GEOS node nearly collinear segments differently (FIELD-NOTES), so areas agree to
    // ~2e-9 relative and outlines to ~1e-9°: the port is proved within those tolerances, stated.
    build("land_use_area", "regions_x=4", "regions_y=3", "polygons=1500");
    assertMatch(verify("land_use_area", "public.mv_land_use_area", "--tolerance", "area_m2=1e-6",
        "--geometry-tolerance", "1e-9"));
  }
}
