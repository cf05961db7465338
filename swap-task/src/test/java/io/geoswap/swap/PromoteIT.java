package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.ExitCode;
import io.geoswap.common.db.Db;
import io.geoswap.testkit.TestDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Promote, rollback and retention keep the view's identity and refuse what would break it. */
class PromoteIT {
  private static TestDb db;
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_promote");
    db.exec("CREATE TABLE public.zones (zone_id int)");
  }

  private static Path spec(String name, int retain) {
    return Fixtures.spec(dir, name, retain, "min_rows: 1");
  }

  private static CliRun swap(String... args) {
    return SwapRun.of(db.env, args);
  }

  private static CliRun promote(Path spec, String version, String... extra) {
    String[] all = new String[5 + extra.length];
    all[0] = "promote"; all[1] = "--spec"; all[2] = spec.toString(); all[3] = "--version"; all[4] = version;
    System.arraycopy(extra, 0, all, 5, extra.length);
    return swap(all);
  }

  private static void validate(Path spec, String version) {
    CliRun v = swap("validate", "--spec", spec.toString(), "--version", version);
    assertThat(v.exitCode()).as(v.toString()).isZero();
  }

  private static String liveTag(String view) {
    return (String) db.value("SELECT string_agg(DISTINCT tag, ',') FROM public." + view);
  }

  @Test
  void theFirstPromoteCreatesTheViewAndPromotingTheLiveVersionAgainIsANoOp() {
    Path spec = spec("first", 2);
    Fixtures.version(db, "first", "a", 5, "2026-01-01");
    validate(spec, "a");
    CliRun run = promote(spec, "a");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().get("status").asText()).isEqualTo("promoted");
    assertThat(db.value("SELECT definition FROM pg_views WHERE viewname = 'vw_first'")).asString()
        .contains("zone_id").contains("first_va").doesNotContain("*");
    assertThat(liveTag("vw_first")).isEqualTo("a");

    CliRun again = promote(spec, "a");
    assertThat(again.exitCode()).isZero();
    assertThat(again.json().get("status").asText()).isEqualTo("already_live");
  }

  @Test
  void onlyAValidatedVersionIsPromoted() {
    Path spec = spec("unvalidated", 2);
    Fixtures.version(db, "unvalidated", "a", 5, "2026-01-01");
    CliRun run = promote(spec, "a");
    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.stderr()).contains("is built but not validated: run validate first");
    assertThat(db.value("SELECT to_regclass('public.vw_unvalidated')")).isNull();
  }

  @Test
  void retentionKeepsTheNewestVersionsDropsOlderOnesAndKeepsWhatOthersDependOn() {
    Path spec = spec("ret", 2);
    for (String v : new String[] {"v1", "v2", "v3"}) {
      Fixtures.version(db, "ret", v, 3, null);
      Fixtures.publish(db, spec, v);
    }
    // v3 live, v2 and v1 retired: retain = 2 keeps both.
    assertThat(db.value("SELECT to_regclass('public.ret_vv1') IS NOT NULL")).isEqualTo(true);
    db.exec("CREATE VIEW public.audit_on_v1 AS SELECT zone_id FROM public.ret_vv1");
    Fixtures.version(db, "ret", "v4", 3, null);
    Fixtures.publish(db, spec, "v4");
    Fixtures.version(db, "ret", "v5", 3, null);
    CliRun v = swap("validate", "--spec", spec.toString(), "--version", "v5");
    assertThat(v.exitCode()).isZero();
    CliRun run = promote(spec, "v5");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().get("dropped").toString()).contains("v2");
    assertThat(run.json().get("kept").toString()).contains("v1: used by [audit_on_v1]");
    assertThat(db.value("SELECT to_regclass('public.ret_vv2')")).isNull();
    assertThat(db.value("SELECT status FROM geoswap.versions WHERE pipeline = 'ret' AND version = 'v2'")).isEqualTo("dropped");
    // v1 has a dependent view: plain DROP TABLE would fail, CASCADE would break audit_on_v1. Kept, reported.
    assertThat(db.value("SELECT to_regclass('public.ret_vv1') IS NOT NULL")).isEqualTo(true);
    assertThat(db.count("SELECT count(*) FROM public.audit_on_v1")).isEqualTo(3);
    assertThat(db.value("SELECT to_regclass('public.ret_vv3') IS NOT NULL AND to_regclass('public.ret_vv4') IS NOT NULL")).isEqualTo(true);
    assertThat(liveTag("vw_ret")).isEqualTo("v5");
  }

  @Test
  void theViewKeepsItsOidOwnerGrantsAndDependentsAcrossPromotionsAndRollbacks() throws Exception {
    Path spec = spec("ident", 3);
    Fixtures.version(db, "ident", "a", 4, null);
    Fixtures.publish(db, spec, "a");
    db.exec("DROP ROLE IF EXISTS ident_reader; CREATE ROLE ident_reader LOGIN PASSWORD 'reader-pw';"
        + " GRANT USAGE ON SCHEMA public TO ident_reader; GRANT SELECT ON public.vw_ident TO ident_reader;"
        + " CREATE VIEW public.ident_summary AS SELECT count(*) AS n, min(tag) AS tag FROM public.vw_ident;");
    long oid = db.count("SELECT 'public.vw_ident'::regclass::oid::bigint");
    Object acl = db.value("SELECT relacl::text FROM pg_class WHERE oid = 'public.vw_ident'::regclass");
    Object owner = db.value("SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.vw_ident'::regclass");

    try (Connection reader = Db.connect(db.settings.withApplicationName("reader")
        .withUser("ident_reader", "reader-pw"))) {
      for (String v : new String[] {"b", "c"}) {
        Fixtures.version(db, "ident", v, 4 + v.charAt(0) - 'a', null);
        Fixtures.publish(db, spec, v);
        assertThat(readTag(reader)).isEqualTo(v);
      }
      CliRun back = swap("rollback", "--spec", spec.toString());
      assertThat(back.exitCode()).as(back.toString()).isZero();
      assertThat(back.json().get("status").asText()).isEqualTo("rolled_back");
      assertThat(readTag(reader)).isEqualTo("b");
      CliRun to = swap("rollback", "--spec", spec.toString(), "--to", "a");
      assertThat(to.exitCode()).as(to.toString()).isZero();
      assertThat(readTag(reader)).isEqualTo("a");
      // The reader can read the view, never the tables behind it.
      assertThatThrownBy(() -> {
        try (Statement st = reader.createStatement()) {
          st.executeQuery("SELECT count(*) FROM public.ident_va");
        }
      }).hasMessageContaining("permission denied");
    }
    assertThat(db.count("SELECT 'public.vw_ident'::regclass::oid::bigint")).isEqualTo(oid);
    assertThat(db.value("SELECT relacl::text FROM pg_class WHERE oid = 'public.vw_ident'::regclass")).isEqualTo(acl);
    assertThat(db.value("SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.vw_ident'::regclass")).isEqualTo(owner);
    assertThat(db.value("SELECT tag FROM public.ident_summary")).isEqualTo("a");
  }

  private static String readTag(Connection reader) throws Exception {
    try (Statement st = reader.createStatement();
        ResultSet rs = st.executeQuery("SELECT string_agg(DISTINCT tag, ',') FROM public.vw_ident")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void schemaDriftIsRefusedWithTheDifferencesAndTheViewIsUnchanged() {
    Path spec = spec("drift", 2);
    Fixtures.version(db, "drift", "a", 4, null);
    Fixtures.publish(db, spec, "a");
    String definition = (String) db.value("SELECT definition FROM pg_views WHERE viewname = 'vw_drift'");
    String[][] cases = {
        {"typechange", "zone_id integer, tag text, events integer, total_value double precision, geom geometry(Polygon,4326)",
            "column events changed type from bigint to integer"},
        {"dropped", "zone_id integer, tag text, total_value double precision, geom geometry(Polygon,4326)",
            "column 3 was events bigint, now total_value double precision (events was dropped or renamed)"},
        {"reordered", "zone_id integer, events bigint, tag text, total_value double precision, geom geometry(Polygon,4326)",
            "columns were reordered"},
    };
    for (String[] c : cases) {
      Fixtures.version(db, "drift", c[0], 0, null, c[1], "");
      db.exec("INSERT INTO geoswap.versions (pipeline, version, table_schema, table_name, status, build_id)"
          + " VALUES ('drift', '" + c[0] + "', 'public', 'drift_v" + c[0] + "', 'validated', gen_random_uuid())"
          + " ON CONFLICT (pipeline, version) DO UPDATE SET status = 'validated'");
      CliRun run = promote(spec, c[0]);
      assertThat(run.exitCode()).as(c[0] + ": " + run).isEqualTo(ExitCode.DATA.code());
      assertThat(run.stderr()).contains("can't replace the columns of view public.vw_drift").contains(c[2]);
      assertThat(db.value("SELECT definition FROM pg_views WHERE viewname = 'vw_drift'")).isEqualTo(definition);
      assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'drift'")).isEqualTo("a");
    }
    // Appending a column is what PostgreSQL allows: that one goes through.
    Fixtures.version(db, "drift", "appended", 2, null, Fixtures.COLUMNS + ", extra text",
        "SELECT zone_id, 'appended', events, total_value, geom, 'x' FROM public.drift_va");
    Fixtures.publish(db, spec, "appended");
    assertThat(liveTag("vw_drift")).isEqualTo("appended");
  }

  @Test
  void anOlderBackfillIsSupersededUnlessForced() {
    Path spec = spec("backfill", 2);
    Fixtures.version(db, "backfill", "new", 4, "2026-03-01");
    Fixtures.publish(db, spec, "new");
    Fixtures.version(db, "backfill", "old", 5, "2026-02-01");
    validate(spec, "old");

    CliRun run = promote(spec, "old");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.SKIPPED.code());
    assertThat(run.json().get("status").asText()).isEqualTo("superseded");
    assertThat(run.stderr()).contains("is older than live version new");
    assertThat(liveTag("vw_backfill")).isEqualTo("new");
    assertThat(db.value("SELECT status FROM geoswap.versions WHERE pipeline = 'backfill' AND version = 'old'")).isEqualTo("superseded");

    // The ECS runner always passes the flag with a value.
    CliRun notForced = promote(spec, "old", "--force=false");
    assertThat(notForced.exitCode()).as(notForced.toString()).isEqualTo(ExitCode.SKIPPED.code());
    assertThat(liveTag("vw_backfill")).isEqualTo("new");

    CliRun forced = promote(spec, "old", "--force");
    assertThat(forced.exitCode()).as(forced.toString()).isZero();
    assertThat(liveTag("vw_backfill")).isEqualTo("old");
  }
}
