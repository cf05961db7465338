package io.geoswap.job;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.geoswap.testkit.TestDb;

import com.fasterxml.jackson.databind.JsonNode;
import io.geoswap.job.extract.SourceReader;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** pipelines/zone_stats.yaml produces what its materialized view holds, on the same generated data. */
class ZoneStatsEquivalenceIT {
  private static final String CUTOFF = "2026-08-01T00:00:00Z";
  private static SparkSession spark;
  private static TestDb db;
  private static CliRun run;

  @BeforeAll
  static void buildOnce() {
    spark = TestSpark.start("local[2]");
    db = TestDb.fresh("it_zone_stats");
    run = Equivalence.buildExample(db, "zone_stats", List.of("zones_x=24", "zones_y=20", "events=40000",
        "cutoff=" + CUTOFF), "--logical-date", CUTOFF, "--run-id", "manual__it");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @Test
  void resultEqualsTheMaterializedView() {
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Equivalence.assertEquivalent(db, "public.zone_stats_vit1", "public.mv_zone_stats", List.of("zone_id"),
        List.of("name", "events", "categories"), List.of("total_value", "avg_value"), 1e-9, "geom", 1e-9);
  }

  @Test
  void zonesWithoutEventsAreKeptWithZeros() {
    assertThat(db.count("SELECT count(*) FROM public.zone_stats_vit1 WHERE events = 0 AND total_value = 0 AND avg_value IS NULL"))
        .isPositive();
    assertThat(db.count("SELECT count(*) FROM public.zone_stats_vit1")).isEqualTo(24 * 20);
  }

  @Test
  void theCutoffIsPushedDownFromTheLogicalDate() {
    long before = db.count("SELECT count(*) FROM public.events WHERE ts < '" + CUTOFF + "'");
    assertThat(before).isLessThan(40000);
    assertThat(db.count("SELECT sum(events) FROM public.zone_stats_vit1")).isEqualTo(before);
  }

  @Test
  void theTableHasTypedGeometryIndexesAndUniqueKey() {
    assertThat(db.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.zone_stats_vit1'::regclass AND attname = 'geom'"))
        .isEqualTo("geometry(Polygon,4326)");
    assertThat(db.value("SELECT indexdef FROM pg_indexes WHERE indexname = 'zone_stats_vit1_i0'")).asString().contains("USING gist (geom)");
    assertThat(db.value("SELECT indexdef FROM pg_indexes WHERE indexname = 'zone_stats_vit1_k'")).asString().contains("UNIQUE INDEX").contains("(zone_id)");
    assertThat(db.value("SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'zone_stats_vit1'"))
        .isEqualTo(true);
  }

  @Test
  void theVersionIsRegisteredAsBuiltAndTheJsonSaysWhat() {
    JsonNode json = run.json();
    assertThat(json.get("status").asText()).isEqualTo("built");
    assertThat(json.get("table").asText()).isEqualTo("public.zone_stats_vit1");
    assertThat(json.get("rows").asLong()).isEqualTo(24 * 20);
    // Both sources' column types have binary decoders: read by COPY (SourceReader's default).
    assertThat(json.get("sources").get("events").get("extract").asText()).isEqualTo("copy");
    assertThat(json.get("sources").get("zones").get("extract").asText()).isEqualTo("copy");
    assertThat(json.get("phase_seconds").fieldNames()).toIterable()
        .containsExactly("registry", "plan", "extract", "transform", "load", "index", "total");
    // The reading is inside the transform's stages, timed in the scans: it is there, and the phases add up to
    // the total (each rounded to the millisecond; the JVM's start-up is before the total, outside it).
    JsonNode ph = json.get("phase_seconds");
    assertThat(ph.get("extract").asDouble()).isPositive();
    assertThat(ph.get("registry").asDouble()).isPositive();
    double sum = 0;
    for (String phase : List.of("registry", "plan", "extract", "transform", "load", "index")) sum += ph.get(phase).asDouble();
    assertThat(sum).isCloseTo(ph.get("total").asDouble(), within(0.01));
    assertThat(((Number) db.value("SELECT (phase_seconds->>'total')::float8 FROM geoswap.versions WHERE version = 'it1'")).doubleValue())
        .as("the registry records the same figures as the JSON result").isEqualTo(ph.get("total").asDouble());
    assertThat(db.value("SELECT status || '/' || rows_written || '/' || run_id || '/' || logical_date::text FROM geoswap.versions WHERE pipeline = 'zone_stats' AND version = 'it1'"))
        .isEqualTo("built/480/manual__it/2026-08-01 00:00:00+00");
    assertThat(db.value("SELECT (phase_seconds ? 'load') AND spark_app_id IS NOT NULL FROM geoswap.versions WHERE version = 'it1'")).isEqualTo(true);
    assertThat(db.count("SELECT count(*) FROM geoswap.load_markers")).as("markers are cleared after the load").isZero();
  }

  @Test
  void theJdbcReadThatColumnsWithoutABinaryDecoderTakeGivesTheSameResult() {
    spark.conf().set(SourceReader.EXTRACT_CONF, "jdbc");
    try {
      CliRun jdbc = JobRun.of(db.env, "--spec", TestDb.repoRoot().resolve("pipelines/zone_stats.yaml").toString(),
          "--version", "itjdbc", "--logical-date", CUTOFF);
      assertThat(jdbc.exitCode()).as(jdbc.stderr()).isZero();
      assertThat(jdbc.json().at("/sources/events/extract").asText()).isEqualTo("jdbc");
      Equivalence.assertEquivalent(db, "public.zone_stats_vitjdbc", "public.mv_zone_stats", List.of("zone_id"),
          List.of("name", "events", "categories"), List.of("total_value", "avg_value"), 1e-9, "geom", 1e-9);
    } finally {
      spark.conf().unset(SourceReader.EXTRACT_CONF);
    }
  }

  @Test
  void theJobNeverCreatesOrTouchesAView() {
    assertThat(db.count("SELECT count(*) FROM pg_views WHERE viewname = 'vw_zone_stats'")).isZero();
  }
}
