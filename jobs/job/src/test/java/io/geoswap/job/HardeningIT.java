package io.geoswap.job;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.geoswap.common.ExitCode;
import io.geoswap.common.SqlResources;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.testkit.TestDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job against what an adversarial or careless spec author tries (issue 16): every attempt ends with a
 * one-line message, its exit code and a JSON last line; the canary table, the live view of another
 * pipeline and the registry are as they were; no version table and no {@code building} row is left; the
 * password appears nowhere in the output.
 */
class HardeningIT {
  private static SparkSession spark;
  private static TestDb db;
  @TempDir static Path tmp;
  private static Path dir;
  private String before;

  @BeforeAll
  static void setUp() throws Exception {
    spark = TestSpark.start("local[2]");
    db = TestDb.fresh("it_hardening");
    db.exec(SqlResources.load(HardeningIT.class, "/bad_inputs.sql"));
    db.exec("CREATE TABLE public.canary (id int PRIMARY KEY, note text);"
        + " INSERT INTO public.canary VALUES (1, 'one'), (2, 'two'), (3, 'three');"
        // bad_zones without its primary key: offending rows are named by their first plain columns
        + " CREATE TABLE public.nokey_zones AS SELECT * FROM public.bad_zones;"
        + " CREATE SCHEMA other;");
    try (Connection c = db.connect()) {
      new VersionRegistry(c).ensureSchema();
    }
    // Another pipeline, live, whose view and registry rows every attack must leave alone; and "moved",
    // published in public, whose spec will name another schema.
    db.exec("CREATE TABLE public.keep_vlive AS SELECT zone_id, name, geom FROM public.zones;"
        + " CREATE VIEW public.vw_keep AS SELECT zone_id, name, geom FROM public.keep_vlive;"
        + " INSERT INTO geoswap.pipelines (pipeline, view_schema, view_name, live_version) VALUES"
        + " ('keep', 'public', 'vw_keep', 'live'), ('moved', 'public', 'vw_moved', 'live');"
        + " INSERT INTO geoswap.versions (pipeline, version, table_schema, table_name, status, build_id)"
        + " VALUES ('keep', 'live', 'public', 'keep_vlive', 'live', gen_random_uuid()),"
        + " ('moved', 'live', 'public', 'moved_vlive', 'live', gen_random_uuid())");
    dir = Files.createDirectories(tmp.resolve("specs"));
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @BeforeEach
  void snapshot() {
    before = state();
  }

  @AfterEach
  void nothingChanged() {
    assertThat(state()).as("canary, live view, registry of other pipelines").isEqualTo(before);
    assertThat(db.count("SELECT count(*) FROM geoswap.versions WHERE status = 'building'")).as("building rows").isZero();
  }

  /** What no attack may change: the canary, the live view and the registry rows of the live pipelines. */
  private static String state() {
    return db.value("SELECT (SELECT string_agg(id || ':' || note, ',' ORDER BY id) FROM public.canary)"
        + " || ' | ' || (SELECT md5(string_agg(zone_id || name || ST_AsText(geom), ',' ORDER BY zone_id)) FROM public.vw_keep)"
        + " || ' | ' || (SELECT string_agg(pipeline || '/' || version || '=' || status, ',' ORDER BY pipeline, version)"
        + "   FROM geoswap.versions WHERE pipeline IN ('keep', 'moved'))"
        + " || ' | ' || (SELECT string_agg(pipeline || '@' || view_schema || '.' || view_name || '=' || live_version, ','"
        + "   ORDER BY pipeline) FROM geoswap.pipelines)"
        + " || ' | ' || (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname !~ '^pg_')").toString();
  }

  /** A spec named {@code name}; {@code yaml} is appended (target, sources … when not given). */
  private static Path spec(String name, String sql, String yaml) {
    try {
      Files.writeString(dir.resolve(name + ".sql"), sql == null ? zoneStatsSql() : sql);
      Path spec = dir.resolve(name + ".yaml");
      String target = yaml.contains("target:") ? "" : """
          target:
            schema: public
            view: vw_%s
            key: [zone_id]
            geometry: {column: geom, srid: 4326}
          """.formatted(name);
      String sources = yaml.contains("sources:") ? "" : """
          sources:
            zones: {table: public.zones}
            events: {table: public.events, partition_column: id}
          """;
      String transform = yaml.contains("transform:") ? "" : "transform: " + name + ".sql\n";
      Files.writeString(spec, "name: " + name + "\n" + target + sources + transform + yaml);
      return spec;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String zoneStatsSql() throws IOException {
    return Files.readString(TestDb.repoRoot().resolve("pipelines/zone_stats.sql"));
  }

  private static CliRun run(Path spec) {
    return JobRun.of(db.env, "--spec", spec.toString(), "--version", "v1");
  }

  private static void assertFails(CliRun run, int code, String... messageParts) {
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(code);
    List<String> errors = run.stderr().lines().filter(l -> l.startsWith("geoswap: error: ")).toList();
    assertThat(errors).as("one one-line error on stderr").hasSize(1);
    assertThat(errors.get(0)).contains(messageParts);
    assertThat(run.json().get("status").asText()).isEqualTo("failed");
    assertThat(run.json().get("exit_code").asInt()).isEqualTo(code);
    assertThat(run.json().get("error").asText()).contains(messageParts);
    assertNoSecret(run);
  }

  private static void assertNoSecret(CliRun run) {
    assertThat(run.stdout()).doesNotContain(db.settings.password());
    assertThat(run.stderr()).doesNotContain(db.settings.password());
    assertThat(run.json().toString()).doesNotContain(db.settings.password());
  }

  /** No table of {@code pipeline} is left, and its version (if registered at all) is failed. */
  private static void assertNothingLeftOf(String pipeline) {
    assertThat(db.count("SELECT count(*) FROM pg_class WHERE relname LIKE '" + pipeline + "\\_v%'")).as("tables").isZero();
    Object status = db.value("SELECT string_agg(status, ',') FROM geoswap.versions WHERE pipeline = '" + pipeline + "'");
    assertThat(status).as("registry status").isIn(null, "failed");
  }

  // 1. A source `where` runs arbitrary statements.
  @Test
  void aWhereThatSmugglesStatementsIsRefusedAndRunsNothing() {
    Path spec = spec("inject_where", null, """
        sources:
          zones: {table: public.zones}
          events: {table: public.events, where: "true) AS q LIMIT 0; DROP TABLE public.canary; SELECT NULL FROM (SELECT 1"}
        """);
    assertFails(run(spec), ExitCode.USAGE.code(), "sources.events.where: must be one boolean expression");
    assertNothingLeftOf("inject_where");

    Path trailing = spec("inject_where2", null, """
        sources:
          zones: {table: public.zones}
          events: {table: public.events, where: "true; DELETE FROM public.canary"}
        """);
    assertFails(run(trailing), ExitCode.USAGE.code(), "sources.events.where: must be one boolean expression");
    assertNothingLeftOf("inject_where2");
  }

  // 3. A transform path reads any file, and errors print its contents.
  @Test
  void aTransformOutsideTheSpecsFolderIsRefusedBeforeItIsRead() throws IOException {
    assertFails(run(spec("proc_environ", null, "transform: /proc/self/environ\n")), ExitCode.USAGE.code(),
        "transform: '/proc/self/environ' must be a path relative to the spec's folder");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("password"), db.settings.password() + "\n");
    assertFails(run(spec("dotdot", null, "transform: ../outside/password\n")), ExitCode.USAGE.code(),
        "transform: '../outside/password' must stay inside the spec's folder");
    Files.createSymbolicLink(dir.resolve("link.sql"), outside.resolve("password"));
    assertFails(run(spec("symlink", null, "transform: link.sql\n")), ExitCode.USAGE.code(),
        "transform: 'link.sql' leads outside the spec's folder", "(through a symlink)");
    for (String p : List.of("proc_environ", "dotdot", "symlink")) assertNothingLeftOf(p);
  }

  @Test
  void aTransformErrorQuotesOnlyItsOffendingLineAndNeverTheSecret() {
    String sql = "-- first line, never quoted\nSELECT zone_id,\n  '" + db.settings.password()
        + "' AS secret FORM zones\n-- last line, never quoted\n";
    CliRun run = run(spec("quote_line", sql, ""));
    assertFails(run, ExitCode.USAGE.code(), "quote_line.sql failed:", "PARSE_SYNTAX_ERROR", "AS secret FORM zones", "****");
    assertThat(run.stderr() + run.stdout()).doesNotContain("first line, never quoted").doesNotContain("last line");
    assertNothingLeftOf("quote_line");
  }

  @Test
  void aTransformIsOneQueryThatReadsNoFileAndCallsNoJava() {
    assertFails(run(spec("t_command", "CREATE TEMPORARY VIEW leak USING text OPTIONS (path '/etc/hostname')", "")),
        ExitCode.USAGE.code(), "t_command.sql must be one query (SELECT, or WITH … SELECT), not a");
    assertThat(spark.catalog().tableExists("leak")).as("the statement never ran").isFalse();
    assertFails(run(spec("t_set", "SET spark.sql.runSQLOnFiles=true", "")), ExitCode.USAGE.code(), "must be one query");
    assertFails(run(spec("t_file", "SELECT 1 AS zone_id, value AS name, NULL AS geom FROM text.`/etc/hostname`", "")),
        ExitCode.USAGE.code(), "t_file.sql failed:");
    assertFails(run(spec("t_reflect", "SELECT zone_id, reflect('java.lang.System', 'getenv', 'PGPASSWORD') AS name,"
        + " geom FROM zones", "")), ExitCode.USAGE.code(), "t_reflect.sql calls reflect(…): calling Java methods");
    assertFails(run(spec("t_reflect2", "SELECT zone_id, name, geom FROM zones WHERE zone_id IN"
        + " (SELECT length(java_method('java.lang.System', 'getenv', 'PGPASSWORD')))", "")), ExitCode.USAGE.code(),
        "calls java_method(…)");
    assertFails(run(spec("t_conf", null, "spark: {spark.sql.runSQLOnFiles: true, spark.driver.extraJavaOptions: -Dx=1}\n")),
        ExitCode.USAGE.code(), "spark.spark.sql.runSQLOnFiles: a spec may not set", "spark.spark.driver.extraJavaOptions: a spec may not set");
    for (String p : List.of("t_command", "t_set", "t_file", "t_reflect", "t_reflect2", "t_conf")) assertNothingLeftOf(p);
  }

  // 4. Failures that leave a version `building` with its partial table.
  @Test
  void aTaskFailingMidLoadMarksTheVersionFailedAndDropsItsTable() {
    // ST_MakeValid turns the bowtie zones into MultiPolygons, which a geometry(Polygon) column refuses:
    // the COPY of one Spark partition fails after others have committed.
    Path spec = spec("midload", "SELECT zone_id, name, geom FROM zones", """
        target:
          schema: public
          view: vw_midload
          key: [zone_id]
          geometry: {column: geom, srid: 4326, type: Polygon}
        sources:
          zones: {table: public.bad_zones}
        on_invalid_geometry: make_valid
        spark: {spark.sql.shuffle.partitions: 4}
        """);
    CliRun run = run(spec);
    assertFails(run, ExitCode.DATA.code(), "Geometry type (MultiPolygon) does not match column type (Polygon)");
    assertNothingLeftOf("midload");
    assertThat(db.value("SELECT error FROM geoswap.versions WHERE pipeline = 'midload'")).asString()
        .contains("does not match column type");
  }

  @Test
  void anErrorWithControlBytesIsRecordedWithoutThem() {
    CliRun run = run(spec("nul_error", "SELECT zone_id, `bad\u0000col\u0007`, geom FROM zones", ""));
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.json().get("error").asText()).contains("badcol").doesNotContain("\u0000");
    Object error = db.value("SELECT error FROM geoswap.versions WHERE pipeline = 'nul_error' AND status = 'failed'");
    assertThat(error).as("the failure is recorded").asString().contains("badcol").doesNotContain("\u0000");
    assertNothingLeftOf("nul_error");
  }

  @Test
  void aBuildWhoseProcessWasKilledIsReclaimedByTheNextBuild() throws Exception {
    Path spec = spec("killed", null, "");
    Process job;
    try (Connection blocker = db.connect(); Statement st = blocker.createStatement()) {
      // Hold the load's ledger: the job creates its table, then waits in the load, where it is killed.
      blocker.setAutoCommit(false);
      st.execute("LOCK TABLE geoswap.load_markers IN ACCESS EXCLUSIVE MODE");
      job = jobProcess(spec, "k1");
      try {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() ->
            db.value("SELECT to_regclass('public.killed_vk1') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_locks"
                + " WHERE NOT granted AND relation = 'geoswap.load_markers'::regclass)").equals(true));
      } finally {
        job.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        job.waitFor(30, TimeUnit.SECONDS);
      }
      blocker.rollback();
    }
    assertThat(db.value("SELECT status FROM geoswap.versions WHERE pipeline = 'killed' AND version = 'k1'")).isEqualTo("building");
    await().atMost(Duration.ofSeconds(30)).until(() ->
        db.count("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'geoswap-%' AND pid <> pg_backend_pid()"
            + " AND datname = current_database()") == 0);

    CliRun next = JobRun.of(db.env, "--spec", spec.toString(), "--version", "k2");
    assertThat(next.exitCode()).as(next.stderr()).isZero();
    assertThat(db.value("SELECT to_regclass('public.killed_vk1') IS NULL")).as("orphan dropped").isEqualTo(true);
    assertThat(db.value("SELECT status || ': ' || error FROM geoswap.versions WHERE pipeline = 'killed' AND version = 'k1'"))
        .asString().startsWith("failed: abandoned");
    db.exec("DROP TABLE public.killed_vk2; DELETE FROM geoswap.versions WHERE pipeline = 'killed'");
  }

  /** The job in a JVM of its own, as spark-submit would start it (see ShadedJarIT). */
  private static Process jobProcess(Path spec, String version) throws IOException {
    String jar = System.getProperty("geoswap.jobJar");
    String sparkClasspath = Files.readString(Path.of(System.getProperty("geoswap.sparkClasspath"))).strip();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + TestDb.repoRoot().resolve("jvm/spark-java17.args"), "-Xmx1g",
        "-cp", sparkClasspath + java.io.File.pathSeparator + jar, "io.geoswap.job.JobMain",
        "--spec", spec.toString(), "--version", version));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("job-" + version + ".log").toFile());
    pb.environment().putAll(db.env);
    pb.environment().put("SCARF_NO_ANALYTICS", "true");
    return pb.start();
  }

  // 5. A changed target.schema silently moves the pipeline.
  @Test
  void aTargetSchemaThatDoesNotExistIsRefusedAndNotCreated() {
    Path spec = spec("no_schema", null, """
        target:
          schema: nosuch_schema
          view: vw_no_schema
          key: [zone_id]
          geometry: {column: geom, srid: 4326}
        """);
    assertFails(run(spec), ExitCode.USAGE.code(), "target.schema: schema nosuch_schema does not exist", "creates no schemas");
    assertNothingLeftOf("no_schema");
  }

  @Test
  void aPipelinePublishedInOnePlaceIsNotBuiltForAnother() {
    Path spec = spec("moved", null, """
        target:
          schema: other
          view: vw_moved
          key: [zone_id]
          geometry: {column: geom, srid: 4326}
        """);
    assertFails(run(spec), ExitCode.USAGE.code(), "pipeline moved is published as view public.vw_moved",
        "its spec now says other.vw_moved");
    assertThat(db.count("SELECT count(*) FROM pg_class WHERE relname LIKE 'moved\\_v%'")).isZero();
  }

  // 9. The invalid-geometry error names no offending key.
  @Test
  void invalidGeometriesInATableWithoutAKeyNameTheirRows() {
    CliRun run = run(spec("nokey", null, """
        sources:
          zones: {table: public.nokey_zones}
          events: {table: public.events, partition_column: id}
        """));
    assertFails(run, ExitCode.DATA.code(), "2 invalid geometries in column geom", "zone_id=2,name=zone 2 (Self-intersection",
        "zone_id=5,name=zone 5");
    assertNothingLeftOf("nokey");
  }
}
