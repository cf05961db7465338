package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.db.Db;
import io.geoswap.common.registry.BuildLock;
import io.geoswap.testkit.TestDb;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc drops what no one will publish, and nothing else; status tells what there is. */
class GcIT {
  private static TestDb db;
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_gc");
    db.exec("CREATE TABLE public.zones (zone_id int)");
  }

  private static void status(String pipeline, String version, String status, String startedAgo) {
    db.exec("UPDATE geoswap.versions SET status = '" + status + "', started_at = now() - interval '" + startedAgo
        + "' WHERE pipeline = '" + pipeline + "' AND version = '" + version + "'");
  }

  @Test
  void dropsFailedAbandonedAndOrphanedTablesWhateverTheirAgeButNeverLiveRetainedOrRunningOnes() throws Exception {
    Path spec = Fixtures.spec(dir, "gcp", 1, "min_rows: 1");
    Fixtures.version(db, "gcp", "old", 3, null);
    Fixtures.publish(db, spec, "old");
    Fixtures.version(db, "gcp", "live", 3, null);
    Fixtures.publish(db, spec, "live");
    Fixtures.version(db, "gcp", "failed", 3, null);
    status("gcp", "failed", "failed", "1 minute");
    Fixtures.version(db, "gcp", "abandoned", 3, null);
    status("gcp", "abandoned", "building", "2 days");
    Fixtures.version(db, "gcp", "running", 3, null);
    status("gcp", "running", "building", "2 days");
    Fixtures.version(db, "gcp", "recent", 3, null);
    status("gcp", "recent", "building", "5 minutes");
    db.exec("CREATE TABLE public.gcp_vorphan (zone_id int); CREATE TABLE public.gcp_vkept (zone_id int);"
        + " CREATE VIEW public.uses_kept AS SELECT * FROM public.gcp_vkept; CREATE TABLE public.gcpx_v1 (a int)");

    try (Connection job = Db.connect(db.settings)) {
      // A job still building "running" holds its build lock.
      assertThat(new BuildLock("gcp", "running").tryLock(job)).isTrue();
      CliRun run = SwapRun.of(db.env, "gc", "--spec", spec.toString(), "--older-than", "1h");
      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.json().get("dropped").toString())
          // A build whose process is gone (its build lock free) is reclaimed however recent it is.
          .contains("failed (failed)", "abandoned (abandoned build)", "recent (abandoned build)", "gcp_vorphan (orphan)")
          .doesNotContain("running", "\"live", "old", "recent (failed)");
      assertThat(run.json().get("kept").toString()).contains("gcp_vkept: used by [uses_kept]")
          .as("a reclaimed build is listed once, as dropped").doesNotContain("abandoned", "recent", "null");
    }
    assertThat(db.value("SELECT to_regclass('public.gcp_vfailed') IS NULL AND to_regclass('public.gcp_vabandoned') IS NULL"
        + " AND to_regclass('public.gcp_vorphan') IS NULL AND to_regclass('public.gcp_vrecent') IS NULL")).isEqualTo(true);
    assertThat(db.value("SELECT to_regclass('public.gcp_vlive') IS NOT NULL AND to_regclass('public.gcp_vold') IS NOT NULL"
        + " AND to_regclass('public.gcp_vrunning') IS NOT NULL"
        + " AND to_regclass('public.gcp_vkept') IS NOT NULL AND to_regclass('public.gcpx_v1') IS NOT NULL")).isEqualTo(true);
    assertThat(db.value("SELECT string_agg(version, ',') FROM geoswap.versions WHERE status = 'building'"))
        .as("only the build whose process holds its lock is still building").isEqualTo("running");
    assertThat(db.value("SELECT error FROM geoswap.versions WHERE version = 'recent'")).asString().startsWith("abandoned");
    assertThat(db.count("SELECT count(*) FROM public.vw_gcp")).isEqualTo(3);

    CliRun status = SwapRun.of(db.env, "status", "--spec", spec.toString());
    assertThat(status.exitCode()).isZero();
    assertThat(status.stdout()).contains("live: live", "retained: [old]");
    assertThat(status.json().get("live").asText()).isEqualTo("live");
    assertThat(status.json().get("runs").toString()).contains("\"version\":\"abandoned\",\"status\":\"dropped\"");
  }
}
