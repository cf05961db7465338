package io.geoswap.job;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.testkit.TestDb;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * pipelines/land_use_area.yaml (make-valid, clip, union per group, area in EPSG:3035) produces what its
 * materialized view (GEOS + PROJ in PostGIS) holds, within float tolerance.
 */
class LandUseAreaEquivalenceIT {
  private static SparkSession spark;
  private static TestDb db;
  private static CliRun run;

  @BeforeAll
  static void buildOnce() {
    spark = TestSpark.start("local[2]");
    db = TestDb.fresh("it_land_use_area");
    run = Equivalence.buildExample(db, "land_use_area", List.of("regions_x=4", "regions_y=3", "polygons=4000"));
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @Test
  void resultEqualsTheMaterializedView() {
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Equivalence.assertEquivalent(db, "public.land_use_area_vit1", "public.mv_land_use_area",
        List.of("region_id", "season", "land_type"), List.of(), List.of("area_m2"), 1e-6, "geom", 1e-9);
  }

  @Test
  void theDataReallyHadInvalidPolygonsThatWereRepaired() {
    assertThat(db.count("SELECT count(*) FROM public.land_use WHERE NOT ST_IsValid(geom)")).isPositive();
    assertThat(run.json().at("/sources/land_use/repaired").asLong())
        .isEqualTo(db.count("SELECT count(*) FROM public.land_use WHERE NOT ST_IsValid(geom)"));
    assertThat(run.json().at("/sources/land_use/rows").asLong()).isEqualTo(4000);
  }

  @Test
  void areasAreRealSquareMetres() {
    // A 0.1° × 0.1° region near 50°N is about 7.1 km × 11.1 km ≈ 79 km²; no group can exceed its region.
    assertThat(db.count("SELECT count(*) FROM public.land_use_area_vit1 WHERE area_m2 <= 0 OR area_m2 > 8.0e7")).isZero();
    assertThat(db.count("SELECT count(*) FROM public.land_use_area_vit1 WHERE area_m2 > 1e6")).isPositive();
  }
}
