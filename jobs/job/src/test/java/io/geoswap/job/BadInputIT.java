package io.geoswap.job;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.testkit.TestDb;

import io.geoswap.common.ExitCode;
import io.geoswap.common.SqlResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input a user can cause gets a one-line message and its documented exit code, and leaves no
 * half-written table behind nor a version registered as built.
 */
class BadInputIT {
  private static final String WRONG_PASSWORD = "not-the-Password-42";
  private static SparkSession spark;
  private static TestDb db;
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() {
    spark = TestSpark.start("local[2]");
    db = TestDb.fresh("it_bad_input");
    db.exec(SqlResources.load(BadInputIT.class, "/bad_inputs.sql"));
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  /** A zone_stats-shaped spec named {@code name} over the given tables and transform SQL. */
  private static Path spec(String name, String zones, String events, String policy, String sql, String extraEventKeys) {
    try {
      Path transform = dir.resolve(name + ".sql");
      Files.writeString(transform, sql != null ? sql : Files.readString(TestDb.repoRoot().resolve("pipelines/zone_stats.sql")));
      Path spec = dir.resolve(name + ".yaml");
      Files.writeString(spec, """
          name: %s
          target:
            schema: public
            view: vw_%s
            key: [zone_id]
            geometry: {column: geom, srid: 4326}
          sources:
            zones: {table: %s}
            events: {table: %s, partition_column: id%s}
          transform: %s.sql
          on_invalid_geometry: %s
          """.formatted(name, name, zones, events, extraEventKeys, name, policy));
      return spec;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path spec(String name, String zones, String events, String policy) {
    return spec(name, zones, events, policy, null, "");
  }

  private static CliRun run(Path spec) {
    return run(db.env, spec);
  }

  private static CliRun run(Map<String, String> env, Path spec) {
    return JobRun.of(env, "--spec", spec.toString(), "--version", "v1");
  }

  /** The failure left nothing behind: no table, and the version (if registered at all) is failed. */
  private static void assertNothingLeft(String pipeline) {
    assertThat(db.value("SELECT to_regclass('public." + pipeline + "_vv1') IS NULL")).as("partial table dropped").isEqualTo(true);
    Object status = db.value("SELECT status FROM geoswap.versions WHERE pipeline = '" + pipeline + "' AND version = 'v1'"
        + " AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'geoswap')");
    assertThat(status).as("registry status").isIn(null, "failed");
  }

  private static void assertFails(CliRun run, int code, String... messageParts) {
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(code);
    String errorLine = run.stderr().lines().filter(l -> l.startsWith("geoswap: error: ")).findFirst().orElse("");
    assertThat(errorLine).as("one-line error on stderr").contains(messageParts);
    assertThat(run.json().get("status").asText()).isEqualTo("failed");
    assertThat(run.json().get("exit_code").asInt()).isEqualTo(code);
    assertThat(run.json().get("error").asText()).contains(messageParts);
  }

  @Test
  void invalidGeometriesUnderFailPolicyNameTheCountAndFirstKeys() {
    CliRun run = run(spec("bad_geom", "public.bad_zones", "public.events", "fail"));
    assertFails(run, ExitCode.DATA.code(), "source zones (public.bad_zones): 2 invalid geometries in column geom",
        "zone_id=2 (Self-intersection", "zone_id=5", "set on_invalid_geometry: make_valid or drop");
    assertNothingLeft("bad_geom");
    assertThat(db.value("SELECT error FROM geoswap.versions WHERE pipeline = 'bad_geom'")).asString().contains("2 invalid geometries");
  }

  @Test
  void invalidGeometriesAreDroppedWhenThePolicySaysSo() {
    CliRun run = run(spec("drop_geom", "public.bad_zones", "public.events", "drop"));
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.json().at("/sources/zones/dropped").asLong()).isEqualTo(2);
    assertThat(db.count("SELECT count(*) FROM public.drop_geom_vv1")).isEqualTo(4);
  }

  @Test
  void nullGeometriesFailAndCannotBeRepaired() {
    assertFails(run(spec("null_geom", "public.zones", "public.null_events", "fail")), ExitCode.DATA.code(),
        "3 NULL geometries in column geom", "id=7 (NULL geometry)");
    assertNothingLeft("null_geom");
    assertFails(run(spec("null_geom_mv", "public.zones", "public.null_events", "make_valid")), ExitCode.DATA.code(),
        "NULL can't be repaired");
    assertNothingLeft("null_geom_mv");
  }

  @Test
  void mixedSridsInASourceFail() {
    assertFails(run(spec("mixed", "public.zones", "public.mixed_events", "fail")), ExitCode.DATA.code(),
        "source events (public.mixed_events): column geom mixes SRIDs (3857 … 4326)");
    assertNothingLeft("mixed");
  }

  @Test
  void anEmptySourceFailsUnlessAllowed() {
    assertFails(run(spec("empty", "public.zones", "public.empty_events", "fail")), ExitCode.DATA.code(),
        "source events (public.empty_events) is empty", "allow_empty: true");
    assertNothingLeft("empty");
    CliRun allowed = run(spec("empty_ok", "public.zones", "public.empty_events", "fail", null, ", allow_empty: true"));
    assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
    assertThat(db.count("SELECT count(*) FROM public.empty_ok_vv1 WHERE events = 0")).isEqualTo(6);
  }

  @Test
  void aTransformErrorShowsSparksMessageAndTheSqlFile() {
    Path unresolved = spec("sql_col", "public.zones", "public.events", "fail",
        "SELECT zone_id, no_such_column, geom FROM zones", "");
    assertFails(run(unresolved), ExitCode.USAGE.code(), "transform " + dir.resolve("sql_col.sql") + " failed:",
        "no_such_column", "cannot be resolved");
    assertNothingLeft("sql_col");
    Path syntax = spec("sql_syntax", "public.zones", "public.events", "fail", "SELEC zone_id FROM zones", "");
    assertFails(run(syntax), ExitCode.USAGE.code(), "sql_syntax.sql failed:", "PARSE_SYNTAX_ERROR");
    assertNothingLeft("sql_syntax");
  }

  @Test
  void aResultWithoutTheDeclaredColumnsIsASpecError() {
    Path spec = spec("no_geom", "public.zones", "public.events", "fail", "SELECT zone_id, name FROM zones", "");
    assertFails(run(spec), ExitCode.USAGE.code(), "has no column geom (target.geometry.column)");
    assertNothingLeft("no_geom");
  }

  @Test
  void duplicateResultKeysAreADataError() {
    Path spec = spec("dup_key", "public.dup_zones", "public.events", "fail",
        "SELECT 1 AS zone_id, name, geom FROM zones", "");
    assertFails(run(spec), ExitCode.DATA.code(), "duplicate values of target.key [zone_id]", "Key (zone_id)=(1)");
    assertNothingLeft("dup_key");
  }

  @Test
  void aMissingSourceTableOrColumnIsNamed() {
    assertFails(run(spec("no_table", "public.zones", "public.no_such_events", "fail")), ExitCode.USAGE.code(),
        "source events (public.no_such_events): table public.no_such_events does not exist");
    assertNothingLeft("no_table");
    Path badColumn = spec("no_column", "public.zones", "public.events", "fail", null, ", where: \"no_such_col > 0\"");
    assertFails(run(badColumn), ExitCode.USAGE.code(), "source events (public.events): reading failed",
        "column \"no_such_col\" does not exist");
    assertNothingLeft("no_column");
  }

  @Test
  void anUnsafeNameIsRefusedBeforeAnythingRuns() {
    Path spec = spec("unsafe", "public.zones", "public.events", "fail");
    try {
      Files.writeString(spec, Files.readString(spec).replace("name: unsafe", "name: \"unsafe; DROP TABLE zones\"")
          .replace("{table: public.zones}", "{table: \"public.zones; --\"}"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertFails(run(spec), ExitCode.USAGE.code(), "invalid spec", "name: 'unsafe; DROP TABLE zones' must match",
        "sources.zones.table: 'zones; --' is not a safe identifier");
    assertThat(db.count("SELECT count(*) FROM public.zones")).isEqualTo(6);
    CliRun badVersion = JobRun.of(db.env, "--spec", spec("ok", "public.zones", "public.events", "fail").toString(),
        "--version", "v1;drop");
    assertFails(badVersion, ExitCode.USAGE.code(), "--version 'v1;drop' must match");
  }

  @Test
  void aRefusedConnectionIsTemporary() {
    Map<String, String> env = new HashMap<>(db.env);
    env.put("PGPORT", "1");
    assertFails(run(env, spec("refused", "public.zones", "public.events", "fail")), ExitCode.TEMPORARY.code(),
        "cannot connect to PostgreSQL at", "127.0.0.1:1", "a retry may succeed");
  }

  @Test
  void aWrongPasswordIsAConfigurationErrorAndNeverShown() {
    Map<String, String> env = new HashMap<>(db.env);
    env.put("PGPASSWORD", WRONG_PASSWORD);
    CliRun run = run(env, spec("wrong_pw", "public.zones", "public.events", "fail"));
    assertFails(run, ExitCode.USAGE.code(), "password authentication failed for user", "check the user and password");
    assertThat(run.stdout() + run.stderr()).doesNotContain(WRONG_PASSWORD).doesNotContain(db.settings.password());
  }
}
