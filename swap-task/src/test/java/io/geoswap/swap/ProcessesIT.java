package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.testkit.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** swap-task as separate processes: racing promoters, and kill -9 inside and right after the swap. */
class ProcessesIT {
  private static TestDb db;
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_processes");
    db.exec("CREATE TABLE public.zones (zone_id int)");
  }

  /** A swap-task process (the shaded jar), its output going to files. */
  record Proc(Process process, Path out, Path err) {
    int waitFor() throws Exception {
      assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("process finished").isTrue();
      return process.exitValue();
    }

    JsonNode json() throws Exception {
      List<String> lines = Files.readAllLines(out);
      return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }

    String stderr() throws Exception {
      return Files.readString(err);
    }
  }

  private static Proc start(Map<String, String> extraEnv, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("geoswap.swapJar")));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(db.env);
    pb.environment().putAll(extraEnv);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new Proc(pb.start(), out, err);
  }

  private static void validated(Path spec, String pipeline, String version, int rows, String logicalDate) {
    Fixtures.version(db, pipeline, version, rows, logicalDate);
    CliRun v = SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", version);
    assertThat(v.exitCode()).as(v.toString()).isZero();
  }

  @Test
  void twoProcessesPromotingTheSameVersionSwapOnce() throws Exception {
    Path spec = Fixtures.spec(dir, "race", 2, "min_rows: 1");
    validated(spec, "race", "a", 5, "2026-01-01");
    Fixtures.publish(db, spec, "a");
    validated(spec, "race", "b", 6, "2026-01-02");

    Proc p1 = start(Map.of(), "promote", "--spec", spec.toString(), "--version", "b");
    Proc p2 = start(Map.of(), "promote", "--spec", spec.toString(), "--version", "b");

    assertThat(p1.waitFor()).as(p1.stderr()).isZero();
    assertThat(p2.waitFor()).as(p2.stderr()).isZero();
    assertThat(List.of(p1.json().get("status").asText(), p2.json().get("status").asText()))
        .containsExactlyInAnyOrder("promoted", "already_live");
    assertThat(db.value("SELECT string_agg(DISTINCT tag, ',') FROM public.vw_race")).isEqualTo("b");
  }

  @Test
  void racingAnOlderAndANewerVersionTheNewerAlwaysEndsLive() throws Exception {
    Path spec = Fixtures.spec(dir, "order", 5, "min_rows: 1");
    validated(spec, "order", "base", 5, "2026-01-01");
    Fixtures.publish(db, spec, "base");
    for (int round = 1; round <= 3; round++) {
      String older = "old" + round;
      String newer = "new" + round;
      validated(spec, "order", older, 7, "2026-02-0" + round);
      validated(spec, "order", newer, 8, "2026-03-0" + round);

      Proc pOld = start(Map.of(), "promote", "--spec", spec.toString(), "--version", older);
      Proc pNew = start(Map.of(), "promote", "--spec", spec.toString(), "--version", newer);

      assertThat(pNew.waitFor()).as(pNew.stderr()).isZero();
      int oldExit = pOld.waitFor();
      assertThat(oldExit).as("the older one is promoted first, or skipped as superseded").isIn(0, 99);
      assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'order'")).isEqualTo(newer);
      assertThat(db.value("SELECT string_agg(DISTINCT tag, ',') FROM public.vw_order")).isEqualTo(newer);
    }
  }

  @Test
  void killedInsideTheSwapTransactionTheOldVersionStaysAndARerunConverges() throws Exception {
    Path spec = Fixtures.spec(dir, "crash1", 0, "min_rows: 1");
    validated(spec, "crash1", "a", 10, null);
    Fixtures.publish(db, spec, "a");
    validated(spec, "crash1", "b", 12, null);
    Readers readers = new Readers(db, 2, "public.vw_crash1");
    try (readers) {
      Proc p = start(Map.of(TestHook.ENV, TestHook.IN_SWAP.value), "promote", "--spec", spec.toString(), "--version", "b");
      await().atMost(Duration.ofSeconds(30)).until(() -> p.stderr().contains("test hook: pausing in-swap"));
      p.process().destroyForcibly(); // SIGKILL
      p.waitFor();
      assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'crash1'")).isEqualTo("a");
      await().atMost(Duration.ofSeconds(10)).until(() -> "a".equals(db.value("SELECT min(tag) FROM public.vw_crash1")));

      CliRun rerun = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", "b");
      assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
      long after = readers.queries.get();
      await().until(() -> readers.queries.get() > after + 20);
    }
    assertThat(readers.problems).isEmpty();
    assertThat(db.value("SELECT min(tag) FROM public.vw_crash1")).isEqualTo("b");
    assertThat(db.value("SELECT to_regclass('public.crash1_va')")).as("retain 0: a dropped after the swap").isNull();
    assertNoOrphans(spec, "crash1", "b");
  }

  @Test
  void killedAfterTheCommitBeforeTheDropsARerunFinishesTheDrops() throws Exception {
    Path spec = Fixtures.spec(dir, "crash2", 0, "min_rows: 1");
    validated(spec, "crash2", "a", 10, null);
    Fixtures.publish(db, spec, "a");
    validated(spec, "crash2", "b", 12, null);
    Readers readers = new Readers(db, 2, "public.vw_crash2");
    try (readers) {
      Proc p = start(Map.of(TestHook.ENV, TestHook.AFTER_COMMIT.value), "promote", "--spec", spec.toString(), "--version", "b");
      await().atMost(Duration.ofSeconds(30)).until(() -> p.stderr().contains("test hook: pausing after-commit"));
      p.process().destroyForcibly();
      p.waitFor();
      assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'crash2'")).isEqualTo("b");
      assertThat(db.value("SELECT to_regclass('public.crash2_va') IS NOT NULL")).as("not dropped yet").isEqualTo(true);

      CliRun rerun = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", "b");
      assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
      assertThat(rerun.json().get("status").asText()).isEqualTo("already_live");
      assertThat(rerun.json().get("dropped").toString()).contains("a");
      long after = readers.queries.get();
      await().until(() -> readers.queries.get() > after + 20);
    }
    assertThat(readers.problems).isEmpty();
    assertThat(db.value("SELECT to_regclass('public.crash2_va')")).isNull();
    assertNoOrphans(spec, "crash2", "b");
  }

  private static void assertNoOrphans(Path spec, String pipeline, String live) {
    CliRun gc = SwapRun.of(db.env, "gc", "--spec", spec.toString());
    assertThat(gc.exitCode()).as(gc.toString()).isZero();
    assertThat(db.value("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relkind = 'r'"
        + " AND relnamespace = 'public'::regnamespace AND relname LIKE '" + pipeline + "\\_v%'"))
        .isEqualTo(pipeline + "_v" + live);
  }
}
