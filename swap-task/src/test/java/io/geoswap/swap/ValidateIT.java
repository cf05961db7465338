package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.geoswap.common.ExitCode;
import io.geoswap.testkit.TestDb;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every check kind fails when it should, reports what it saw, and blocks promote. */
class ValidateIT {
  private static TestDb db;
  @TempDir static Path dir;
  private static Path spec;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_validate");
    db.exec("CREATE TABLE public.zones (zone_id int); INSERT INTO public.zones SELECT generate_series(1, 10)");
    spec = Fixtures.spec(dir, "val", 2, """
        min_rows: 1
        max_change_pct: 20
        expected_rows_sql: "SELECT count(*) FROM public.zones"
        not_null: [zone_id, geom]
        valid_geometry: true
        sql:
          - "SELECT bool_and(events >= 0) FROM ${table}"
        """);
    Fixtures.version(db, "val", "live", 10, "2026-01-01");
    Fixtures.publish(db, spec, "live");
  }

  /** Another spec of pipeline val, with {@code checksYaml}, in a folder of its own. */
  private static Path specIn(String folder, String checksYaml) {
    Path d = dir.resolve(folder);
    d.toFile().mkdirs();
    return Fixtures.spec(d, "val", 2, checksYaml);
  }

  private static CliRun validate(String version) {
    return SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", version);
  }

  private static JsonNode check(CliRun run, String name) {
    for (JsonNode c : run.json().get("checks")) {
      if (c.get("name").asText().equals(name)) return c;
    }
    throw new AssertionError("no check " + name + " in " + run);
  }

  /** {@code check} failed, the run exited 3, and promote refuses the version. */
  private static void assertBlocked(String version, CliRun run, String failedCheck) {
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(check(run, failedCheck).get("status").asText()).isEqualTo("failed");
    assertThat(run.stderr()).contains("validation of val version " + version + " failed: ").contains(failedCheck);
    assertThat(db.value("SELECT status FROM geoswap.versions WHERE pipeline = 'val' AND version = '" + version + "'"))
        .isEqualTo("failed");
    CliRun promote = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", version);
    assertThat(promote.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(promote.stderr()).contains("can't be published");
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'val'")).isEqualTo("live");
    assertThat(db.count("SELECT count(*) FROM public.vw_val WHERE tag = 'live'")).isEqualTo(10);
  }

  @Test
  void aGoodVersionPassesEveryCheckAndIsValidated() {
    Fixtures.version(db, "val", "good", 10, "2026-01-02");
    CliRun run = validate("good");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().get("status").asText()).isEqualTo("validated");
    assertThat(run.json().get("checks")).allSatisfy(c -> assertThat(c.get("status").asText()).isEqualTo("passed"));
    assertThat(check(run, "max_change_pct").get("observed").asDouble()).isZero();
    assertThat(check(run, "rows_match_written").get("status").asText()).isEqualTo("passed");
  }

  @Test
  void zeroRowsFailMinRows() {
    Fixtures.version(db, "val", "empty", 0, "2026-01-02");
    CliRun run = validate("empty");
    assertBlocked("empty", run, "min_rows");
    assertThat(check(run, "min_rows").get("observed").asLong()).isZero();
  }

  @Test
  void aTableHoldingFewerRowsThanWrittenFails() {
    Fixtures.version(db, "val", "partial", 10, "2026-01-02");
    db.exec("DELETE FROM public.val_vpartial WHERE zone_id > 7");
    CliRun run = validate("partial");
    assertBlocked("partial", run, "rows_match_written");
    assertThat(check(run, "rows_match_written").get("observed").asLong()).isEqualTo(7);
    assertThat(check(run, "rows_match_written").get("expected").asLong()).isEqualTo(10);
  }

  @Test
  void aCountOtherThanExpectedFails() {
    Fixtures.version(db, "val", "nine", 9, "2026-01-02");
    CliRun run = validate("nine");
    assertBlocked("nine", run, "expected_rows");
    assertThat(check(run, "expected_rows").get("expected").asLong()).isEqualTo(10);
  }

  @Test
  void aChangeBeyondTheBoundFails() {
    db.exec("INSERT INTO public.zones SELECT generate_series(11, 30)");
    try {
      Fixtures.version(db, "val", "grown", 30, "2026-01-02");
      CliRun run = validate("grown");
      assertBlocked("grown", run, "max_change_pct");
      assertThat(check(run, "max_change_pct").get("observed").asDouble()).isEqualTo(200.0);
    } finally {
      db.exec("DELETE FROM public.zones WHERE zone_id > 10");
    }
  }

  @Test
  void aNullKeyFails() {
    Fixtures.version(db, "val", "nullkey", 10, "2026-01-02");
    db.exec("UPDATE public.val_vnullkey SET zone_id = NULL WHERE zone_id = 3");
    CliRun run = validate("nullkey");
    assertBlocked("nullkey", run, "not_null:zone_id");
    assertThat(check(run, "not_null:zone_id").get("observed").asLong()).isEqualTo(1);
  }

  @Test
  void aDuplicateKeyFails() {
    Fixtures.version(db, "val", "dupkey", 10, "2026-01-02");
    db.exec("UPDATE public.val_vdupkey SET zone_id = 1 WHERE zone_id IN (2, 3)");
    CliRun run = validate("dupkey");
    assertBlocked("dupkey", run, "key_unique");
    assertThat(check(run, "key_unique").get("detail").asText()).contains("1 key values [zone_id] that occur more than once");
  }

  @Test
  void anInvalidGeometryFails() {
    Fixtures.version(db, "val", "badgeom", 10, "2026-01-02");
    db.exec("UPDATE public.val_vbadgeom SET geom = ST_GeomFromText('POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))', 4326) WHERE zone_id = 4");
    assertBlocked("badgeom", validate("badgeom"), "valid_geometry");
  }

  @Test
  void aWrongSridFails() {
    Fixtures.version(db, "val", "srid", 10, "2026-01-02", "zone_id integer, tag text, events bigint,"
        + " total_value double precision, geom geometry", null);
    db.exec("UPDATE public.val_vsrid SET geom = ST_SetSRID(geom, 3857) WHERE zone_id <= 2");
    CliRun run = validate("srid");
    assertBlocked("srid", run, "geometry_srid");
    assertThat(check(run, "geometry_srid").get("observed").asLong()).isEqualTo(2);
  }

  @Test
  void aFalseCustomSqlCheckFails() {
    Fixtures.version(db, "val", "negative", 10, "2026-01-02");
    db.exec("UPDATE public.val_vnegative SET events = -1 WHERE zone_id = 5");
    CliRun run = validate("negative");
    assertBlocked("negative", run, "sql[0]");
    assertThat(check(run, "sql[0]").get("observed").asBoolean()).isFalse();
  }

  @Test
  void aCustomCheckThatDoesNotRunIsASpecErrorAndTheOtherChecksStillRun() {
    Path broken = specIn("broken", """
        min_rows: 1
        sql:
          - "SELECT no_such_column > 0 FROM ${table}"
        """);
    Fixtures.version(db, "val", "brokensql", 10, "2026-01-02");
    CliRun run = SwapRun.of(db.env, "validate", "--spec", broken.toString(), "--version", "brokensql");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(check(run, "sql[0]").get("status").asText()).isEqualTo("error");
    assertThat(check(run, "sql[0]").get("detail").asText()).contains("no_such_column");
    assertThat(check(run, "min_rows").get("status").asText()).isEqualTo("passed");
    assertThat(check(run, "key_unique").get("status").asText()).isEqualTo("passed");
  }

  @Test
  void aCheckOnTheRowsTheBuildReadPassesWhenEveryRowIsCountedOnceAndFailsWhenOneIsLost() {
    Path audit = specIn("audit", """
        min_rows: 1
        sql:
          - "SELECT sum(events) = ${source_rows.zones} FROM ${table}"
        """);
    // Fixture rows hold events = 10 * zone_id: 550 over zones 1..10, as if the build had read 550 rows.
    Fixtures.version(db, "val", "audited", 10, "2026-01-02");
    db.exec("UPDATE geoswap.versions SET source_rows = '{\"zones\": 550}' WHERE pipeline = 'val' AND version = 'audited'");
    CliRun ok = SwapRun.of(db.env, "validate", "--spec", audit.toString(), "--version", "audited");
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(check(ok, "sql[0]").get("status").asText()).isEqualTo("passed");

    Fixtures.version(db, "val", "lostone", 10, "2026-01-02");
    db.exec("UPDATE geoswap.versions SET source_rows = '{\"zones\": 551}' WHERE pipeline = 'val' AND version = 'lostone'");
    CliRun lost = SwapRun.of(db.env, "validate", "--spec", audit.toString(), "--version", "lostone");
    assertThat(lost.exitCode()).as(lost.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(check(lost, "sql[0]").get("status").asText()).isEqualTo("failed");
  }

  @Test
  void validationChangesNoData() {
    Fixtures.version(db, "val", "untouched", 10, "2026-01-02");
    String before = (String) db.value("SELECT md5(string_agg(t::text, ',' ORDER BY zone_id)) FROM public.val_vuntouched t");
    validate("untouched");
    assertThat(db.value("SELECT md5(string_agg(t::text, ',' ORDER BY zone_id)) FROM public.val_vuntouched t")).isEqualTo(before);
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'val'")).isEqualTo("live");
  }

  @Test
  void anUnknownVersionIsAUsageError() {
    CliRun run = validate("nosuch");
    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.stderr()).contains("version nosuch of val is unknown to the registry");
  }
}
