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
 * pipelines/road_length.yaml, a result without geometry (counts and clipped lengths per district, districts
 * without roads kept), produces what its materialized view holds: integers and text exact, lengths within
 * a float tolerance (JTS and GEOS clip the same lines; sums differ in their last bits).
 */
class RoadLengthEquivalenceIT {
  private static SparkSession spark;
  private static TestDb db;
  private static CliRun run;

  @BeforeAll
  static void buildOnce() {
    spark = TestSpark.start("local[2]");
    db = TestDb.fresh("it_road_length");
    run = Equivalence.buildExample(db, "road_length", List.of("districts_x=5", "districts_y=4", "roads=3000"));
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @Test
  void resultEqualsTheMaterializedView() {
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Equivalence.assertEquivalent(db, "public.road_length_vit1", "public.mv_road_length", List.of("district_id"),
        List.of("name", "roads", "classes", "lanes"), List.of("length_m"), 1e-9, null, 0);
  }

  @Test
  void theResultHasNoGeometryAndKeepsDistrictsWithoutRoads() {
    assertThat(db.count("SELECT count(*) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
        + " WHERE a.attrelid = 'public.road_length_vit1'::regclass AND t.typname = 'geometry'")).isZero();
    assertThat(db.count("SELECT count(*) FROM public.road_length_vit1 WHERE roads = 0 AND length_m = 0 AND lanes IS NULL"))
        .isPositive();
    assertThat(run.json().get("rows").asLong()).isEqualTo(20);
  }
}
