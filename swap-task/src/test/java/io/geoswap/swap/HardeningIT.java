package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.geoswap.common.ExitCode;
import io.geoswap.testkit.TestDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * validate and promote against what an adversarial or careless spec author tries (issue 16): checks that
 * smuggle statements or writes, checks of the wrong shape, a spec that points a live pipeline elsewhere,
 * an empty result. The canary table, the live view and the live pipeline's registry rows stay as they
 * were, and the password appears nowhere in the output.
 */
class HardeningIT {
  private static TestDb db;
  @TempDir static Path dir;
  private static Path spec;
  private String before;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_swap_hardening");
    db.exec("CREATE TABLE public.zones (zone_id int); INSERT INTO public.zones SELECT generate_series(1, 10);"
        + " CREATE TABLE public.canary (id int PRIMARY KEY, note text);"
        + " INSERT INTO public.canary VALUES (1, 'one'), (2, 'two'), (3, 'three'); CREATE SCHEMA other");
    spec = Fixtures.spec(dir, "hard", 2, "min_rows: 1");
    Fixtures.version(db, "hard", "live", 10, "2026-01-01");
    Fixtures.publish(db, spec, "live");
  }

  @BeforeEach
  void snapshot() {
    before = state();
  }

  @AfterEach
  void nothingChanged() {
    assertThat(state()).as("canary, live view, live pipeline").isEqualTo(before);
    assertThat(db.count("SELECT count(*) FROM geoswap.versions WHERE status = 'building'")).isZero();
  }

  private static String state() {
    return db.value("SELECT (SELECT string_agg(id || ':' || note, ',' ORDER BY id) FROM public.canary)"
        + " || ' | ' || (SELECT count(*) || '/' || string_agg(DISTINCT tag, ',') FROM public.vw_hard)"
        + " || ' | ' || (SELECT string_agg(pipeline || '@' || view_schema || '.' || view_name || '=' || live_version, ',')"
        + "   FROM geoswap.pipelines)"
        + " || ' | ' || (SELECT string_agg(version || '=' || status, ',' ORDER BY version) FROM geoswap.versions"
        + "   WHERE version IN ('live'))").toString();
  }

  /** A spec of pipeline hard with these checks, in a folder of its own. */
  private static Path specWith(String folder, String checksYaml) {
    Path d = dir.resolve(folder);
    d.toFile().mkdirs();
    return Fixtures.spec(d, "hard", 2, checksYaml);
  }

  private static CliRun validate(Path spec, String version) {
    CliRun run = SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", version);
    assertThat(run.stdout() + run.stderr()).doesNotContain(db.settings.password());
    return run;
  }

  private static JsonNode check(CliRun run, String name) {
    for (JsonNode c : run.json().get("checks")) {
      if (c.get("name").asText().equals(name)) return c;
    }
    throw new AssertionError("no check " + name + " in " + run);
  }

  private static void assertUsage(CliRun run, String... messageParts) {
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.stderr().lines().filter(l -> l.startsWith("geoswap: error: ")).toList()).hasSize(1)
        .allSatisfy(l -> assertThat(l).contains(messageParts));
    assertThat(run.json().get("exit_code").asInt()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.json().get("error").asText()).contains(messageParts);
  }

  // 2. A check escapes its READ ONLY transaction.
  @Test
  void aCheckThatSmugglesStatementsIsRefusedBeforeItRuns() {
    Fixtures.version(db, "hard", "smuggle", 10, "2026-01-02");
    Path s = specWith("smuggle", """
        sql:
          - "SELECT true; COMMIT; DELETE FROM public.canary; SELECT true"
        expected_rows_sql: "SELECT 10; DELETE FROM public.canary"
        """);
    assertUsage(validate(s, "smuggle"), "checks.sql[0]: holds 4 statements; exactly one is allowed",
        "checks.expected_rows_sql: holds 2 statements");
  }

  @Test
  void aCheckThatWritesFailsInsideItsReadOnlyTransaction() {
    Fixtures.version(db, "hard", "writes", 10, "2026-01-02");
    Path s = specWith("writes", """
        sql:
          - "WITH d AS (DELETE FROM public.canary RETURNING 1) SELECT count(*) = 0 FROM d"
        """);
    CliRun run = validate(s, "writes");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(check(run, "sql[0]").get("status").asText()).isEqualTo("error");
    assertThat(check(run, "sql[0]").get("detail").asText()).contains("read-only transaction");
  }

  // 6. A check returning several rows passes on its first row; a non-boolean is a failed check.
  @Test
  void aCheckMustReturnExactlyOneBoolean() {
    Fixtures.version(db, "hard", "shapes", 10, "2026-01-02");
    Path s = specWith("shapes", """
        sql:
          - "SELECT true UNION ALL SELECT false"
          - "SELECT 1"
          - "SELECT true, false"
          - "SELECT true WHERE false"
          - "SELECT NULL::boolean"
          - "SELECT true"
        """);
    CliRun run = validate(s, "shapes");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(check(run, "sql[0]").get("detail").asText()).contains("checks.sql[0] must return exactly one row, got more");
    assertThat(check(run, "sql[1]").get("detail").asText()).contains("checks.sql[1] must return one boolean, got Integer 1");
    assertThat(check(run, "sql[2]").get("detail").asText()).contains("must return one column, got 2");
    assertThat(check(run, "sql[3]").get("detail").asText()).contains("must return exactly one row, got none");
    for (String c : new String[] {"sql[0]", "sql[1]", "sql[2]", "sql[3]"}) {
      assertThat(check(run, c).get("status").asText()).as(c).isEqualTo("error");
    }
    assertThat(check(run, "sql[4]").get("status").asText()).as("NULL is not true").isEqualTo("failed");
    assertThat(check(run, "sql[5]").get("status").asText()).isEqualTo("passed");
    assertThat(run.stderr()).contains("validation of hard version shapes failed: sql[0], sql[1], sql[2], sql[3], sql[4]");
    assertThat(db.value("SELECT status FROM geoswap.versions WHERE version = 'shapes'")).isEqualTo("failed");
  }

  @Test
  void aNullCheckAloneIsADataFailure() {
    Fixtures.version(db, "hard", "nullcheck", 10, "2026-01-02");
    CliRun run = validate(specWith("nullcheck", "sql: [\"SELECT NULL::boolean\"]"), "nullcheck");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(check(run, "sql[0]").get("status").asText()).isEqualTo("failed");
  }

  // 5. A changed target.schema silently moves the pipeline.
  @Test
  void aLivePipelineIsNotPublishedThroughAnotherViewOrSchema() throws IOException {
    Fixtures.version(db, "hard", "moved", 10, "2026-01-02");
    assertThat(validate(spec, "moved").exitCode()).isZero();
    Path movedDir = dir.resolve("moved");
    movedDir.toFile().mkdirs();
    Path moved = Files.writeString(movedDir.resolve("hard.yaml"),
        Files.readString(spec).replace("schema: public", "schema: other"));
    Files.writeString(movedDir.resolve("hard.sql"), "SELECT 1");
    for (String cmd : new String[] {"validate", "promote"}) {
      CliRun run = SwapRun.of(db.env, cmd, "--spec", moved.toString(), "--version", "moved");
      assertUsage(run, "pipeline hard is published as view public.vw_hard", "its spec now says other.vw_hard");
    }
    Path renamed = Files.writeString(movedDir.resolve("hard.yaml"),
        Files.readString(spec).replace("view: vw_hard", "view: vw_hard2"));
    assertUsage(SwapRun.of(db.env, "promote", "--spec", renamed.toString(), "--version", "moved"),
        "its spec now says public.vw_hard2");
    CliRun rollback = SwapRun.of(db.env, "rollback", "--spec", renamed.toString(), "--to", "live");
    assertUsage(rollback, "is published as view public.vw_hard");
    assertThat(db.value("SELECT to_regclass('other.vw_hard') IS NULL AND to_regclass('public.vw_hard2') IS NULL")).isEqualTo(true);
  }

  @Test
  void aSchemaThatDoesNotExistIsRefusedAndNotCreated() throws IOException {
    Path d = dir.resolve("noschema");
    d.toFile().mkdirs();
    Path s = Files.writeString(d.resolve("hard.yaml"), Files.readString(spec).replace("schema: public", "schema: nosuch"));
    Files.writeString(d.resolve("hard.sql"), "SELECT 1");
    assertUsage(SwapRun.of(db.env, "promote", "--spec", s.toString(), "--version", "live"),
        "target.schema: schema nosuch does not exist");
    assertThat(db.value("SELECT to_regnamespace('nosuch') IS NULL")).isEqualTo(true);
  }

  // 8. An empty result is published when a spec has no checks.
  @Test
  void anEmptyResultIsNotPublishedUnlessTheSpecSaysSo() {
    Fixtures.version(db, "hard", "empty", 0, "2026-01-02");
    Path noChecks = specWith("nochecks", "");
    CliRun run = validate(noChecks, "empty");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(check(run, "min_rows").get("status").asText()).isEqualTo("failed");
    assertThat(check(run, "min_rows").get("expected").asText()).isEqualTo("≥ 1");
    CliRun promote = SwapRun.of(db.env, "promote", "--spec", noChecks.toString(), "--version", "empty");
    assertThat(promote.exitCode()).isEqualTo(ExitCode.DATA.code());

    Fixtures.version(db, "hard", "empty0", 0, "2026-01-02");
    CliRun allowed = validate(specWith("zero", "min_rows: 0"), "empty0");
    assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
  }
}
