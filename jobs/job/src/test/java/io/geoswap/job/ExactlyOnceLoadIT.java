package io.geoswap.job;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.testkit.TestDb;

import io.geoswap.common.ExitCode;
import io.geoswap.job.tools.ExampleData;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Loading is exactly once per partition, rebuilds start from scratch, and live versions are never touched. */
class ExactlyOnceLoadIT {
  private static SparkSession spark;
  private static TestDb db;
  private static String spec;
  private static final AtomicInteger FAILED_LOAD_TASKS = new AtomicInteger();

  @BeforeAll
  static void setUp() {
    // local[2,4]: up to 4 attempts per task, so a failed attempt is retried as on a cluster.
    spark = TestSpark.start("local[2,4]");
    spark.sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        if (!end.taskInfo().successful() && end.reason().toString().contains("test hook")) {
          FAILED_LOAD_TASKS.incrementAndGet();
        }
      }
    });
    db = TestDb.fresh("it_exactly_once");
    Path example = TestDb.repoRoot().resolve("examples/zone_stats");
    ExampleData.generate(db.settings, example,
        ExampleData.params(example, List.of("zones_x=20", "zones_y=10", "events=20000")), false);
    spec = TestDb.repoRoot().resolve("pipelines/zone_stats.yaml").toString();
  }

  @AfterEach
  void clearHook() {
    spark.conf().unset(ExtractTransformJob.FAIL_AFTER_COMMIT_CONF);
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  private static CliRun build(String version) {
    return JobRun.of(db.env, "--spec", spec, "--version", version, "--logical-date", "2027-01-01");
  }

  @Test
  void aRetriedAttemptOfACommittedPartitionWritesNothing() {
    spark.conf().set(ExtractTransformJob.FAIL_AFTER_COMMIT_CONF, "1");
    int failedBefore = FAILED_LOAD_TASKS.get();

    CliRun run = build("retry");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(FAILED_LOAD_TASKS.get() - failedBefore).as("the hook failed partition 1 after its commit").isEqualTo(1);
    assertThat(db.count("SELECT count(*) FROM public.zone_stats_vretry")).isEqualTo(200);
    assertThat(db.count("SELECT count(DISTINCT zone_id) FROM public.zone_stats_vretry")).isEqualTo(200);
    assertThat(db.count("SELECT sum(events) FROM public.zone_stats_vretry")).isEqualTo(20000);
    assertThat(db.count("SELECT rows_written FROM geoswap.versions WHERE version = 'retry'")).isEqualTo(200);
  }

  @Test
  void rebuildingAVersionThatIsNotLiveStartsFromScratch() {
    assertThat(build("again").exitCode()).isZero();
    Object firstBuild = db.value("SELECT build_id FROM geoswap.versions WHERE version = 'again'");
    db.exec("INSERT INTO public.zone_stats_vagain SELECT * FROM public.zone_stats_vagain LIMIT 0");

    CliRun second = build("again");

    assertThat(second.exitCode()).as(second.stderr()).isZero();
    assertThat(db.value("SELECT build_id FROM geoswap.versions WHERE version = 'again'")).isNotEqualTo(firstBuild);
    assertThat(db.count("SELECT count(*) FROM public.zone_stats_vagain")).isEqualTo(200);
    assertThat(db.count("SELECT count(DISTINCT zone_id) FROM public.zone_stats_vagain")).isEqualTo(200);
  }

  @Test
  void aLiveVersionIsNeverRebuilt() {
    assertThat(build("live").exitCode()).isZero();
    long oid = db.count("SELECT 'public.zone_stats_vlive'::regclass::oid::bigint");
    db.exec("INSERT INTO geoswap.pipelines (pipeline, view_schema, view_name, live_version)"
        + " VALUES ('zone_stats', 'public', 'vw_zone_stats', 'live')"
        + " ON CONFLICT (pipeline) DO UPDATE SET live_version = 'live'");
    try {
      CliRun again = build("live");

      assertThat(again.exitCode()).isEqualTo(ExitCode.USAGE.code());
      assertThat(again.stderr()).contains("version live of zone_stats is live; a live version is never rebuilt");
      assertThat(db.count("SELECT 'public.zone_stats_vlive'::regclass::oid::bigint")).isEqualTo(oid);
      assertThat(db.value("SELECT status FROM geoswap.versions WHERE version = 'live'")).isEqualTo("built");
    } finally {
      db.exec("DELETE FROM geoswap.pipelines WHERE pipeline = 'zone_stats'");
    }
  }

  @Test
  void aTableThatAViewReadsIsNeverRebuiltEvenIfTheRegistryForgotIt() {
    assertThat(build("viewed").exitCode()).isZero();
    db.exec("CREATE VIEW public.someone_elses_view AS SELECT zone_id FROM public.zone_stats_vviewed");

    CliRun again = build("viewed");

    assertThat(again.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(again.stderr()).contains("is read by [someone_elses_view]");
    assertThat(db.count("SELECT count(*) FROM public.someone_elses_view")).isEqualTo(200);
  }
}
