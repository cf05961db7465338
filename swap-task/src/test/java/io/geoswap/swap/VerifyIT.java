package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.geoswap.common.ExitCode;
import io.geoswap.testkit.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * verify compares a version with the relation it replaces by key, and names each kind of difference with
 * an example key: a row missing, an extra key, a float beyond tolerance, a moved geometry, a dropped
 * column. A version table and a materialized view over the same data match.
 */
class VerifyIT {
  private static TestDb db;
  @TempDir static Path dir;
  private static Path spec;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_verify");
    db.exec("CREATE TABLE public.zones (zone_id int)");
    spec = Fixtures.spec(dir, "ver", 2, "min_rows: 1");
    Fixtures.version(db, "ver", "v1", 50, "2026-01-01");
    // The materialized view the pipeline replaces: the same rows, computed its own way (float sums in
    // another order differ in their last bits: within the default tolerance).
    db.exec("CREATE MATERIALIZED VIEW public.mv_ver AS SELECT zone_id, tag, events,"
        + " (total_value * 3 / 3 + 1e-13)::float8 AS total_value, geom FROM public.ver_vv1;"
        + " CREATE UNIQUE INDEX ON public.mv_ver (zone_id)");
  }

  private static CliRun verify(String against, String... extra) {
    String[] args = new String[6 + extra.length];
    System.arraycopy(new String[] {"verify", "--spec", spec.toString(), "--against", against, "--version=v1"}, 0, args, 0, 6);
    System.arraycopy(extra, 0, args, 6, extra.length);
    return SwapRun.of(db.env, args);
  }

  /** A copy of the MV as a table, changed by {@code change} (SQL run on the copy named {@code name}). */
  private static String perturbed(String name, String change) {
    db.exec("DROP TABLE IF EXISTS public." + name + "; CREATE TABLE public." + name + " AS SELECT * FROM public.mv_ver; "
        + change.replace("$t", "public." + name));
    return "public." + name;
  }

  private static JsonNode column(CliRun run, String name) {
    for (JsonNode c : run.json().get("values")) {
      if (c.get("column").asText().equals(name)) return c;
    }
    throw new AssertionError("no column " + name + " in " + run);
  }

  @Test
  void aVersionMatchesTheMaterializedViewItReplacesAndTheMatchIsRecorded() throws Exception {
    CliRun run = verify("public.mv_ver", "--report", dir.resolve("reports").toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().get("status").asText()).isEqualTo("match");
    assertThat(run.json().get("matched_rows").asLong()).isEqualTo(50);
    assertThat(column(run, "total_value").get("differing").asLong()).isZero();
    assertThat(column(run, "geom").get("kind").asText()).isEqualTo("geometry");
    assertThat(run.stderr()).contains("total_value", "float", "same");
    assertThat(db.value("SELECT matched FROM geoswap.verifications WHERE pipeline = 'ver' AND version = 'v1'"
        + " AND against = 'public.mv_ver'")).isEqualTo(true);
    assertThat(Files.readString(dir.resolve("reports/verify-ver-v1.json"))).contains("\"status\":\"match\"");
  }

  @Test
  void eachKindOfDifferenceIsNamedWithAnExampleKey() {
    CliRun deleted = verify(perturbed("p_deleted", "DELETE FROM $t WHERE zone_id = 7"));
    assertThat(deleted.exitCode()).as(deleted.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(deleted.json().at("/keys/extra/count").asLong()).isEqualTo(1);
    assertThat(deleted.json().at("/keys/extra/examples/0").asText()).isEqualTo("zone_id=7");
    assertThat(deleted.stderr()).contains("geoswap: error: version v1 of ver differs from public.p_deleted",
        "1 keys not in public.p_deleted (e.g. zone_id=7)");

    CliRun extra = verify(perturbed("p_extra", "INSERT INTO $t SELECT 99, tag, events, total_value, geom FROM $t WHERE zone_id = 1"));
    assertThat(extra.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(extra.json().at("/keys/missing/examples/0").asText()).isEqualTo("zone_id=99");

    CliRun drift = verify(perturbed("p_float", "UPDATE $t SET total_value = total_value * (1 + 1e-6) WHERE zone_id = 12"));
    assertThat(drift.exitCode()).isEqualTo(ExitCode.DATA.code());
    JsonNode tv = column(drift, "total_value");
    assertThat(tv.get("differing").asLong()).isEqualTo(1);
    assertThat(tv.get("worst_key").asText()).isEqualTo("zone_id=12");
    assertThat(tv.get("worst").asDouble()).isBetween(0.9e-6, 1.1e-6);
    CliRun tolerated = verify("public.p_float", "--tolerance", "total_value=1e-5");
    assertThat(tolerated.exitCode()).as(tolerated.toString()).isZero();

    CliRun moved = verify(perturbed("p_geom", "UPDATE $t SET geom = ST_Translate(geom, 0.5, 0) WHERE zone_id = 21"));
    assertThat(moved.exitCode()).isEqualTo(ExitCode.DATA.code());
    JsonNode g = column(moved, "geom");
    assertThat(g.get("worst_key").asText()).isEqualTo("zone_id=21");
    assertThat(g.get("worst").asDouble()).isEqualTo(0.5);
    assertThat(g.get("changed_area").asDouble()).isEqualTo(1.0); // two half-unit slivers of a unit square
    assertThat(verify("public.p_geom", "--geometry-tolerance", "0.5").exitCode()).isZero();

    CliRun dropped = verify(perturbed("p_column", "ALTER TABLE $t DROP COLUMN events"));
    assertThat(dropped.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(dropped.json().at("/columns/extra/0").asText()).isEqualTo("events");

    // An exact column's difference has no size: null, not 0 (a NULL read the key's column before).
    CliRun text = verify(perturbed("p_text", "UPDATE $t SET tag = 'other' WHERE zone_id = 4"));
    assertThat(text.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(column(text, "tag").at("/examples/0/difference").isNull()).as(text.toString()).isTrue();
    assertThat(column(text, "tag").at("/examples/0/key").asText()).isEqualTo("zone_id=4");

    CliRun dup = verify(perturbed("p_dup", "INSERT INTO $t SELECT * FROM $t WHERE zone_id = 3"));
    assertThat(dup.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(dup.json().at("/keys/duplicate_right/examples/0").asText()).isEqualTo("zone_id=3");

    CliRun typed = verify(perturbed("p_type", "ALTER TABLE $t ALTER COLUMN events TYPE text"));
    assertThat(typed.json().at("/columns/incompatible/0").asText()).isEqualTo("events (int8 vs text)");
    assertThat(db.value("SELECT matched FROM geoswap.verifications WHERE against = 'public.p_type'")).isEqualTo(false);
  }

  @Test
  void badInputIsAUsageErrorAndRecordsNothing() {
    db.exec("CREATE TABLE public.nokey AS SELECT tag FROM public.mv_ver");
    assertUsage(verify("public.no_such_mv"), "relation public.no_such_mv does not exist");
    assertUsage(verify("public.nokey"), "key column zone_id is missing from public.nokey");
    assertUsage(verify("nodot"), "--against: 'nodot' is not SCHEMA.RELATION");
    assertUsage(verify("public.mv_ver; DROP TABLE x"), "is not SCHEMA.RELATION");
    assertUsage(SwapRun.of(db.env, "verify", "--spec", spec.toString(), "--against", "public.mv_ver", "--version", "nosuch"),
        "version nosuch of ver is unknown to the registry");
    assertUsage(verify("public.mv_ver", "--tolerance", "total_value=abc,geom"), "--tolerance: 'total_value=abc'",
        "'geom' is not COLUMN=RELATIVE");
    assertThat(db.count("SELECT count(*) FROM geoswap.verifications WHERE against IN ('public.no_such_mv', 'public.nokey')")).isZero();
  }

  private static void assertUsage(CliRun run, String... parts) {
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.stderr()).contains(parts);
    assertThat(run.json().get("exit_code").asInt()).isEqualTo(ExitCode.USAGE.code());
  }
}
