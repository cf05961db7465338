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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking over a materialized view that clients query by name: promote stops and says to verify and adopt;
 * adopt needs a matching verify, refuses dependents it can't move, and cuts over with readers querying the
 * name throughout (no error, never empty); the name keeps its owner, grants and comment, a dependent view
 * reads through geoswap, later promotes publish on the name, and --undo gives the name back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdoptIT {
  private static TestDb db;
  @TempDir static Path dir;
  private static Path spec;
  private static final String READER_PASSWORD = "ado-reader-pw-1";

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_adopt");
    db.exec("CREATE TABLE public.zones (zone_id int)");
    spec = Fixtures.spec(dir, "ado", 2, "min_rows: 1");
    Fixtures.version(db, "ado", "a1", 30, "2026-01-01");
    // The materialized view clients use today (the data it shows equals version a1's), owned by an app
    // role, commented, readable by a reader role, with a plain view on top of it.
    db.exec("DO $$ BEGIN CREATE ROLE ado_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        + " DO $$ BEGIN CREATE ROLE ado_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        + " ALTER ROLE ado_reader PASSWORD '" + READER_PASSWORD + "';"
        + " CREATE TABLE public.base AS SELECT * FROM public.ado_va1; GRANT SELECT ON public.base TO ado_owner;"
        + " CREATE MATERIALIZED VIEW public.vw_ado AS SELECT zone_id, tag, events, total_value, geom FROM public.base;"
        + " CREATE UNIQUE INDEX ON public.vw_ado (zone_id);"
        + " ALTER MATERIALIZED VIEW public.vw_ado OWNER TO ado_owner;"
        + " COMMENT ON MATERIALIZED VIEW public.vw_ado IS 'zone statistics, refreshed nightly';"
        + " GRANT SELECT ON public.vw_ado TO ado_reader;"
        + " CREATE VIEW public.ado_summary AS SELECT count(*) AS n, sum(events) AS events FROM public.vw_ado;"
        + " GRANT SELECT ON public.ado_summary TO ado_reader");
  }

  private static CliRun swap(String... args) {
    return SwapRun.of(db.env, args);
  }

  private static CliRun adopt(String... extra) {
    String[] args = new String[5 + extra.length];
    System.arraycopy(new String[] {"adopt", "--spec", spec.toString(), "--matview", "public.vw_ado"}, 0, args, 0, 5);
    System.arraycopy(extra, 0, args, 5, extra.length);
    return swap(args);
  }

  private static String relkind(String rel) {
    return String.valueOf(db.value("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('" + rel + "')"));
  }

  /** What the reader role sees through the name. */
  private static long readerCount(String rel) throws Exception {
    try (Connection c = Db.connect(db.settings.withUser("ado_reader", READER_PASSWORD));
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + rel)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  @Order(1)
  void promoteOntoAMaterializedViewStopsAfterValidateAndSaysToVerifyAndAdopt() {
    assertThat(swap("validate", "--spec", spec.toString(), "--version", "a1").exitCode()).isZero();
    CliRun p = swap("promote", "--spec", spec.toString(), "--version", "a1");
    assertThat(p.exitCode()).as(p.toString()).isEqualTo(ExitCode.SKIPPED.code());
    assertThat(p.stderr()).contains("public.vw_ado is a materialized view geoswap hasn't taken over",
        "verify --against public.vw_ado", "adopt --matview public.vw_ado");
    assertThat(relkind("public.vw_ado")).isEqualTo("m");
  }

  @Test
  @Order(2)
  void adoptNeedsAMatchingVerifyAndRefusesDependentsItCannotMove() {
    Fixtures.version(db, "ado", "a0", 30, "2025-12-31"); // built, never validated
    CliRun notValidated = adopt("--version", "a0", "--force");
    assertThat(notValidated.exitCode()).as(notValidated.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(notValidated.stderr()).contains("version a0 of ado is built, not validated: adopt takes a validated version");
    assertThat(relkind("public.vw_ado")).isEqualTo("m");
    db.exec("DELETE FROM geoswap.versions WHERE pipeline = 'ado' AND version = 'a0'; DROP TABLE public.ado_va0");
    CliRun unverified = adopt();
    assertThat(unverified.exitCode()).as(unverified.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(unverified.stderr()).contains("version a1 of ado has not been verified against public.vw_ado");
    CliRun verify = swap("verify", "--spec", spec.toString(), "--against", "public.vw_ado");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();

    db.exec("CREATE MATERIALIZED VIEW public.ado_dependent AS SELECT zone_id FROM public.vw_ado");
    CliRun refused = adopt();
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(refused.stderr()).contains("dependents adopt can't move", "ado_dependent", "nothing changed");
    assertThat(relkind("public.vw_ado")).isEqualTo("m");
    db.exec("DROP MATERIALIZED VIEW public.ado_dependent");
  }

  @Test
  @Order(3)
  void theCutoverKeepsReadersOwnerGrantsCommentAndDependentViews() throws Exception {
    Readers readers = new Readers(db, 8, "public.vw_ado");
    CliRun run;
    try (readers) {
      await().until(() -> readers.queries.get() > 50);
      run = adopt();
      long after = readers.queries.get();
      await().until(() -> readers.queries.get() > after + 50);
    }
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(readers.problems).as("readers saw no error, no empty and no mixed result").isEmpty();
    assertThat(run.json().get("kept").asText()).isEqualTo("public.vw_ado_pre_geoswap");
    assertThat(run.json().get("views_recreated").toString()).contains("public.ado_summary");

    assertThat(relkind("public.vw_ado")).isEqualTo("v");
    assertThat(relkind("public.vw_ado_pre_geoswap")).isEqualTo("m");
    assertThat(db.value("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.vw_ado'::regclass")).isEqualTo("ado_owner");
    assertThat(db.value("SELECT obj_description('public.vw_ado'::regclass, 'pg_class')")).isEqualTo("zone statistics, refreshed nightly");
    assertThat(db.value("SELECT has_table_privilege('ado_reader', 'public.vw_ado', 'SELECT')")).isEqualTo(true);
    assertThat(readerCount("public.vw_ado")).as("a role with SELECT on the name only still reads").isEqualTo(30);
    assertThat(readerCount("public.ado_summary")).isEqualTo(1);
    assertThat(db.value("SELECT count(*) FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid"
        + " WHERE r.ev_class = 'public.ado_summary'::regclass AND d.refobjid = 'public.vw_ado'::regclass"))
        .as("the dependent view now reads through geoswap's view").isEqualTo(1L);
    CliRun status = swap("status", "--spec", spec.toString(), "--json");
    assertThat(status.json().get("live").asText()).isEqualTo("a1");
    assertThat(status.json().get("kept_matview").asText()).isEqualTo("public.vw_ado_pre_geoswap");

    CliRun again = adopt();
    assertThat(again.exitCode()).as("a second adopt").isEqualTo(ExitCode.USAGE.code());
    assertThat(again.stderr()).contains("not a materialized view");
  }

  @Test
  @Order(4)
  void aPromoteAfterwardsPublishesANewVersionOnTheName() throws Exception {
    Fixtures.version(db, "ado", "a2", 31, "2026-01-02");
    Fixtures.publish(db, spec, "a2");
    assertThat(db.count("SELECT count(*) FROM public.vw_ado WHERE tag = 'a2'")).isEqualTo(31);
    assertThat(readerCount("public.vw_ado")).as("the view's owner may read the new version table").isEqualTo(31);
    assertThat(db.count("SELECT n FROM public.ado_summary")).isEqualTo(31);
  }

  @Test
  @Order(5)
  void undoGivesTheNameBackToTheMaterializedView() throws Exception {
    CliRun undo = adopt("--undo");
    assertThat(undo.exitCode()).as(undo.toString()).isZero();
    assertThat(relkind("public.vw_ado")).isEqualTo("m");
    assertThat(relkind("public.vw_ado_pre_geoswap")).isEqualTo("null");
    assertThat(db.count("SELECT n FROM public.ado_summary")).as("the dependent reads the materialized view again").isEqualTo(30);
    assertThat(readerCount("public.vw_ado")).isEqualTo(30);
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'ado'")).isNull();
    CliRun twice = adopt("--undo");
    assertThat(twice.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(twice.stderr()).contains("has no adoption to undo");
  }

  @Test
  @Order(4)
  void aSecondAdoptOfTheSameNameIsRefusedAndChangesNothing() throws Exception {
    Object live = db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'ado'");
    CliRun again = adopt();
    assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(again.stderr()).contains("public.vw_ado is not a materialized view", "adopted already?");
    assertThat(relkind("public.vw_ado")).isEqualTo("v");
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'ado'")).isEqualTo(live);
    assertThat(readerCount("public.vw_ado")).isPositive();
  }

  @Test
  @Order(6)
  void anUndoWhoseKeptMaterializedViewIsGoneIsRefusedAndTheNameKeepsServing() throws Exception {
    Fixtures.version(db, "ado", "a2", 30, "2026-01-03", Fixtures.COLUMNS, "SELECT * FROM public.base"); // the view's rows
    assertThat(swap("validate", "--spec", spec.toString(), "--version", "a2").exitCode()).isZero();
    assertThat(swap("verify", "--spec", spec.toString(), "--against", "public.vw_ado", "--version", "a2").exitCode()).isZero();
    CliRun adopted = adopt("--version", "a2");
    assertThat(adopted.exitCode()).as(adopted.toString()).isZero();
    db.exec("DROP MATERIALIZED VIEW public.vw_ado_pre_geoswap"); // someone cleaned up by hand

    CliRun undo = adopt("--undo");
    assertThat(undo.exitCode()).as(undo.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(undo.stderr()).contains("public.vw_ado_pre_geoswap that adopt kept is gone");
    assertThat(relkind("public.vw_ado")).isEqualTo("v");
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'ado'")).isEqualTo("a2");
    assertThat(readerCount("public.vw_ado")).isEqualTo(30);
  }
}
