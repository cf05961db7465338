package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.geoswap.common.ExitCode;
import io.geoswap.common.db.Db;
import io.geoswap.testkit.TestDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers keep reading a complete, single version while promotions run; the swap's lock waits are bounded. */
class ConcurrencyIT {
  private static TestDb db;
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_concurrency");
    db.exec("CREATE TABLE public.zones (zone_id int)");
  }

  @Test
  void continuousReadersNeverSeeAnErrorAnEmptyOrAMixedResultAcrossTwentyPromotions() throws Exception {
    Path spec = Fixtures.spec(dir, "cont", 2, "min_rows: 1");
    Fixtures.version(db, "cont", "v00", 50, null);
    Fixtures.publish(db, spec, "v00");
    for (int i = 1; i <= 20; i++) {
      String v = String.format("v%02d", i);
      Fixtures.version(db, "cont", v, 50 + i, null);
      assertThat(SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", v).exitCode()).isZero();
    }
    Readers readers = new Readers(db, 8, "public.vw_cont");
    try (readers) {
      await().until(() -> readers.queries.get() > 50);
      for (int i = 1; i <= 20; i++) {
        String v = String.format("v%02d", i);
        CliRun p = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", v, "--lock-timeout", "500ms");
        assertThat(p.exitCode()).as(p.toString()).isZero();
      }
      long after = readers.queries.get();
      await().until(() -> readers.queries.get() > after + 50);
    }
    assertThat(readers.problems).isEmpty();
    assertThat(readers.maxMillis.get()).as("max reader latency, ms").isLessThanOrEqualTo(500 + 100);
    assertThat(db.value("SELECT min(tag) FROM public.vw_cont")).isEqualTo("v20");
    assertThat(db.count("SELECT count(*) FROM public.vw_cont")).isEqualTo(70);
  }

  /** A transaction holding the view (ACCESS SHARE) until released. */
  private static Connection longReader(String view) throws Exception {
    Connection c = Db.connect(db.settings.withApplicationName("it-long-reader"));
    c.setAutoCommit(false);
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + view)) {
      rs.next();
    }
    return c;
  }

  private static void awaitPromoteWaitingForLock() {
    await().atMost(Duration.ofSeconds(10)).until(() -> db.count("SELECT count(*) FROM pg_stat_activity"
        + " WHERE application_name = 'geoswap-promote' AND wait_event_type = 'Lock'") > 0);
  }

  @Test
  void behindALongReaderNewReadersWaitAtMostTheLockTimeoutAndPromoteSucceedsOnceItEnds() throws Exception {
    Path spec = Fixtures.spec(dir, "queue", 2, "min_rows: 1");
    Fixtures.version(db, "queue", "a", 10, null);
    Fixtures.publish(db, spec, "a");
    Fixtures.version(db, "queue", "b", 11, null);
    assertThat(SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", "b").exitCode()).isZero();

    Connection holder = longReader("public.vw_queue");
    CompletableFuture<CliRun> promote = CompletableFuture.supplyAsync(() -> SwapRun.of(db.env, "promote", "--spec",
        spec.toString(), "--version", "b", "--lock-timeout", "300ms", "--max-attempts", "20"));
    awaitPromoteWaitingForLock();
    Readers readers = new Readers(db, 4, "public.vw_queue");
    try (readers) {
      Thread.sleep(1500); // several lock_timeout cycles of the promote
    }
    assertThat(readers.problems).isEmpty();
    assertThat(readers.queries.get()).isPositive();
    assertThat(readers.maxMillis.get()).as("max latency of readers queued behind the swap, ms").isLessThanOrEqualTo(300 + 200);
    assertThat(promote).isNotDone();
    holder.commit();
    holder.close();

    CliRun run = promote.get();
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().get("attempts").asInt()).isGreaterThan(1);
    assertThat(db.value("SELECT min(tag) FROM public.vw_queue")).isEqualTo("b");
  }

  @Test
  void behindAReaderThatNeverEndsPromoteGivesUpWithSeventyFiveAndTheOldVersionLive() throws Exception {
    Path spec = Fixtures.spec(dir, "giveup", 2, "min_rows: 1");
    Fixtures.version(db, "giveup", "a", 10, null);
    Fixtures.publish(db, spec, "a");
    Fixtures.version(db, "giveup", "b", 11, null);
    assertThat(SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", "b").exitCode()).isZero();

    try (Connection holder = longReader("public.vw_giveup")) {
      CliRun run = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", "b",
          "--lock-timeout", "200ms", "--max-attempts", "3");
      assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.TEMPORARY.code());
      assertThat(run.stderr()).contains("could not lock view public.vw_giveup within 3 attempts", "the live version is unchanged");
      holder.rollback();
    }
    assertThat(db.value("SELECT min(tag) FROM public.vw_giveup")).isEqualTo("a");
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'giveup'")).isEqualTo("a");
    assertThat(db.value("SELECT status FROM geoswap.versions WHERE pipeline = 'giveup' AND version = 'b'")).isEqualTo("validated");
  }

  /**
   * A REPEATABLE READ transaction whose snapshot is taken now, before the next version is loaded, by a
   * query on another table: it doesn't hold the view's lock yet (one that had read the view would simply
   * block the swap until it ends), and reads the view only later (PostgreSQL docs, "13.2.2 Repeatable Read
   * Isolation Level": the snapshot is taken at the transaction's first statement).
   */
  private static Connection repeatableReader() throws Exception {
    Connection c = Db.connect(db.settings.withApplicationName("it-rr-reader"));
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    count(c, "public.zones");
    return c;
  }

  private static long count(Connection c, String view) throws Exception {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + view)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void withoutTheGuardAnOlderRepeatableReadSnapshotSeesTheNewTableEmpty() throws Exception {
    Path spec = Fixtures.spec(dir, "rr", 2, "min_rows: 1");
    Fixtures.version(db, "rr", "a", 10, null);
    Fixtures.publish(db, spec, "a");
    try (Connection reader = repeatableReader()) {
      Fixtures.version(db, "rr", "b", 12, null);
      assertThat(SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", "b").exitCode()).isZero();

      CliRun run = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", "b", "--skip-snapshot-guard");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(count(reader, "public.vw_rr")).as("the anomaly: the view reads a table the snapshot can't see").isZero();
      reader.commit();
    }
  }

  @Test
  void theGuardWaitsForOlderSnapshotsSoTheyNeverSeeAnEmptyView() throws Exception {
    Path spec = Fixtures.spec(dir, "rrg", 2, "min_rows: 1");
    Fixtures.version(db, "rrg", "a", 10, null);
    Fixtures.publish(db, spec, "a");
    Connection reader = repeatableReader();
    int pid = reader.unwrap(org.postgresql.PGConnection.class).getBackendPID();
    Fixtures.version(db, "rrg", "b", 12, null);
    assertThat(SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", "b").exitCode()).isZero();

    CompletableFuture<CliRun> promote = CompletableFuture.supplyAsync(() ->
        SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", "b", "--snapshot-wait", "30s"));
    // Hold the reader for 1 s from when the guard is polling (its report counts from there, not from here).
    await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM pg_stat_activity"
        + " WHERE application_name = 'geoswap-promote' AND query LIKE '%backend_xmin%'") > 0);
    Thread.sleep(1000);
    assertThat(promote).as("promote waits for the older snapshot").isNotDone();
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'rrg'")).isEqualTo("a");
    reader.commit();
    reader.close();

    CliRun run = promote.get();
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().at("/snapshot_wait/waited_for_pids").toString()).contains(Integer.toString(pid));
    assertThat(run.json().at("/snapshot_wait/seconds").asDouble()).isGreaterThanOrEqualTo(1.0);
    assertThat(db.count("SELECT count(*) FROM public.vw_rrg")).isEqualTo(12);
  }

  @Test
  void theGuardGivesUpAfterItsBoundWithTheOldVersionLive() throws Exception {
    Path spec = Fixtures.spec(dir, "rrt", 2, "min_rows: 1");
    Fixtures.version(db, "rrt", "a", 10, null);
    Fixtures.publish(db, spec, "a");
    try (Connection reader = repeatableReader()) {
      Fixtures.version(db, "rrt", "b", 12, null);
      assertThat(SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", "b").exitCode()).isZero();
      CliRun run = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", "b", "--snapshot-wait", "1s");
      assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.TEMPORARY.code());
      assertThat(run.stderr()).contains("hold snapshots older than version b", "The live version is unchanged");
      assertThat(count(reader, "public.vw_rrt")).as("the old snapshot still reads the old, complete version").isEqualTo(10);
      reader.rollback();
    }
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'rrt'")).isEqualTo("a");
  }
}
