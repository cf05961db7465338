package io.geoswap.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.ExitCode;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.job.JobMain;
import io.geoswap.job.tools.ExampleData;
import io.geoswap.swap.SwapTaskMain;
import io.geoswap.testkit.CliRun;
import io.geoswap.testkit.TestDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline end to end under the roles docker/sql/roles.sql creates (README, "Security model"): the job
 * as geoswap_builder, validate/promote/gc as geoswap_publisher, a client in geoswap_reader. And what each
 * role can't do: were a second statement ever to slip past the spec checks, it would still fail here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeastPrivilegeIT {
  private static final Path ROOT = TestDb.repoRoot();
  private static TestDb db;
  private static Map<String, String> builder;
  private static Map<String, String> publisher;
  private static DbSettings client;
  @TempDir static Path dir;
  private static Path spec;

  @BeforeAll
  static void setUp() throws Exception {
    System.setProperty("spark.master", "local[2]");
    db = TestDb.fresh("it_least_privilege");
    Path example = ROOT.resolve("examples/zone_stats");
    ExampleData.generate(db.settings, example,
        ExampleData.params(example, List.of("zones_x=10", "zones_y=10", "events=5000")), false);
    db.exec("CREATE TABLE public.canary (id int PRIMARY KEY, note text);"
        + " INSERT INTO public.canary VALUES (1, 'one'), (2, 'two');");

    psql("-v", "target_schema=public", "-f", ROOT.resolve("docker/sql/roles.sql").toString());
    // The deployment's part: the sources, and passwords (set over JDBC, bound: never on a command line).
    db.exec("GRANT SELECT ON public.zones, public.events TO geoswap_builder;"
        + " DROP ROLE IF EXISTS lp_client; CREATE ROLE lp_client LOGIN IN ROLE geoswap_reader");
    builder = login("geoswap_builder");
    publisher = login("geoswap_publisher");
    Map<String, String> clientEnv = login("lp_client");
    client = DbSettings.fromEnv(clientEnv, "lp-client");

    spec = dir.resolve("zone_stats.yaml");
    Files.writeString(spec, Files.readString(ROOT.resolve("pipelines/zone_stats.yaml")));
    Files.copy(ROOT.resolve("pipelines/zone_stats.sql"), dir.resolve("zone_stats.sql"));
  }

  @AfterAll
  static void stop() {
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    System.clearProperty("spark.master");
  }

  /** Gives {@code role} a fresh password; its PG* environment. */
  private static Map<String, String> login(String role) throws SQLException {
    String password = "pw-" + UUID.randomUUID();
    try (Connection c = db.connect();
        var ps = c.prepareStatement("SELECT format('ALTER ROLE %I PASSWORD %L', ?::text, ?::text)")) {
      ps.setString(1, role);
      ps.setString(2, password);
      try (var rs = ps.executeQuery(); Statement st = c.createStatement()) {
        rs.next();
        st.execute(rs.getString(1));
      }
    }
    Map<String, String> env = new HashMap<>(db.env);
    env.put("PGUSER", role);
    env.put("PGPASSWORD", password);
    return env;
  }

  private static void psql(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(db.env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  private static CliRun job(String version, Path specFile) {
    return CliRun.of((out, err) -> new JobMain(builder, out), "--spec", specFile.toString(), "--version", version,
        "--logical-date", "2026-09-01T00:00:00Z");
  }

  private static CliRun swap(String... args) {
    return CliRun.of((out, err) -> new SwapTaskMain(publisher, out, err), args);
  }

  private static void publish(String version) {
    CliRun built = job(version, spec);
    assertThat(built.exitCode()).as(built.toString()).isZero();
    CliRun validated = swap("validate", "--spec", spec.toString(), "--version", version);
    assertThat(validated.exitCode()).as(validated.toString()).isZero();
    CliRun promoted = swap("promote", "--spec", spec.toString(), "--version", version);
    assertThat(promoted.exitCode()).as(promoted.toString()).isZero();
  }

  private static Object valueAs(DbSettings who, String sql) throws SQLException {
    try (Connection c = Db.connect(who); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getObject(1) : null;
    }
  }

  /** {@code sql} run as {@code who} fails with SQLSTATE 42501 (insufficient privilege) or 42… */
  private static void assertRefused(Map<String, String> who, String sql) {
    DbSettings s = DbSettings.fromEnv(who, "lp-attack");
    try (Connection c = Db.connect(s); Statement st = c.createStatement()) {
      st.execute(sql);
      throw new AssertionError(who.get("PGUSER") + " could run: " + sql);
    } catch (SQLException e) {
      assertThat(e.getSQLState()).as(who.get("PGUSER") + ": " + sql + " → " + e.getMessage()).startsWith("42");
    }
  }

  private static String replaced(String text, String what, String with) {
    assertThat(text).contains(what);
    return text.replace(what, with);
  }

  @Test
  @Order(1)
  void thePipelineRunsEndToEndUnderTheRoles() throws Exception {
    publish("lp1");
    publish("lp2");
    assertThat(db.value("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.vw_zone_stats'::regclass"))
        .isEqualTo("geoswap_publisher");
    assertThat(db.value("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.zone_stats_vlp2'::regclass"))
        .isEqualTo("geoswap_builder");
    assertThat(db.value("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'geoswap'")).isEqualTo("geoswap_builder");
    long rows = ((Number) valueAs(client, "SELECT count(*) FROM public.vw_zone_stats")).longValue();
    assertThat(rows).isEqualTo(db.count("SELECT count(*) FROM public.zones"));
    CliRun gc = swap("gc", "--spec", spec.toString());
    assertThat(gc.exitCode()).as(gc.toString()).isZero();
    CliRun status = swap("status", "--spec", spec.toString(), "--json");
    assertThat(status.json().get("live").asText()).isEqualTo("lp2");
    for (CliRun r : List.of(gc, status)) {
      assertThat(r.stdout() + r.stderr()).doesNotContain(publisher.get("PGPASSWORD"));
    }
  }

  @Test
  @Order(2)
  void eachRoleCanDoOnlyItsPart() {
    Map<String, String> reader = new HashMap<>(publisher);
    reader.put("PGUSER", client.user());
    reader.put("PGPASSWORD", client.password());
    // The injections of issue 16, as if a second statement had slipped through: refused by the server.
    for (Map<String, String> who : List.of(builder, publisher, reader)) {
      assertRefused(who, "DROP TABLE public.canary");
      assertRefused(who, "DELETE FROM public.canary");
      assertRefused(who, "CREATE SCHEMA lp_elsewhere");
      assertRefused(who, "CREATE ROLE lp_escalate");
    }
    assertRefused(builder, "CREATE OR REPLACE VIEW public.vw_zone_stats AS SELECT * FROM public.zone_stats_vlp1");
    assertRefused(builder, "ALTER VIEW public.vw_zone_stats RENAME TO vw_gone");
    assertRefused(reader, "SELECT count(*) FROM public.zone_stats_vlp2");
    assertRefused(reader, "SELECT count(*) FROM public.events");
    assertRefused(reader, "SELECT count(*) FROM geoswap.versions");
    assertThat(db.count("SELECT count(*) FROM public.canary")).isEqualTo(2);
  }

  @Test
  @Order(3)
  void theSpecInjectionsFailUnderTheRolesToo() throws Exception {
    Path bad = Files.createDirectories(dir.resolve("bad"));
    Files.copy(ROOT.resolve("pipelines/zone_stats.sql"), bad.resolve("zone_stats.sql"));
    String yaml = Files.readString(spec);
    Files.writeString(bad.resolve("zone_stats.yaml"), replaced(yaml, "where: \"ts < '${logical_date}'\"",
        "where: \"true) AS q LIMIT 0; DROP TABLE public.canary; SELECT NULL FROM (SELECT 1\""));
    CliRun where = job("lp3", bad.resolve("zone_stats.yaml"));
    assertThat(where.exitCode()).as(where.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(where.stderr()).contains("sources.events.where: must be one boolean expression");

    Files.writeString(bad.resolve("zone_stats.yaml"), replaced(yaml,
        "expected_rows_sql: \"SELECT count(*) FROM public.zones\"",
        "expected_rows_sql: \"SELECT 1; COMMIT; DELETE FROM public.canary; SELECT 1\""));
    CliRun check = swap("validate", "--spec", bad.resolve("zone_stats.yaml").toString(), "--version", "lp2");
    assertThat(check.exitCode()).as(check.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(check.stderr()).contains("checks.expected_rows_sql: holds 4 statements");

    assertThat(db.count("SELECT count(*) FROM public.canary")).isEqualTo(2);
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'zone_stats'")).isEqualTo("lp2");
    assertThat(db.count("SELECT count(*) FROM geoswap.versions WHERE status = 'building'")).isZero();
    for (CliRun r : List.of(where, check)) {
      assertThat(r.stdout() + r.stderr()).doesNotContain(builder.get("PGPASSWORD")).doesNotContain(publisher.get("PGPASSWORD"));
    }
  }
}
