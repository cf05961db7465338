package io.geoswap.swap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.geoswap.common.ExitCode;
import io.geoswap.testkit.CliRun;
import io.geoswap.testkit.MotoServer;
import io.geoswap.testkit.TestDb;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Validate compares every new version with the live one by key: what changed is reported, recorded with the
 * version, shown by status and written as a page; the gates max_changed_pct and max_column_change_pct stop
 * a refresh that changes too much, even one that keeps every key and the row count.
 */
class DiffIT {
  private static TestDb db;
  @TempDir static Path dir;

  /** 100 unit squares along the x axis, keys 1..100; total_value = 1.5 × key. */
  private static final String LIVE = "SELECT g, 'x', g * 10, g * 1.5, ST_MakeEnvelope(g, 0, g + 1, 1, 4326)"
      + " FROM generate_series(1, 100) g";
  /**
   * Against {@link #LIVE}: keys 50 and 60 removed, 101..103 added, key 7's total_value doubled, key 21's
   * square moved by half its width (symmetric difference: area 1). 7 of 103 keys changed (6.80%); the sum
   * of total_value goes from 7575 to 7879.5 (+4.02%).
   */
  private static final String CHANGED = "SELECT g, 'x', g * 10, CASE WHEN g = 7 THEN g * 3.0 ELSE g * 1.5 END,"
      + " CASE WHEN g = 21 THEN ST_MakeEnvelope(g + 0.5, 0, g + 1.5, 1, 4326) ELSE ST_MakeEnvelope(g, 0, g + 1, 1, 4326) END"
      + " FROM generate_series(1, 103) g WHERE g NOT IN (50, 60)";

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_diff");
  }

  /** Pipeline {@code name} with {@code checks}, its version "live" published with {@link #LIVE}'s rows. */
  private static Path published(String name, String checks) {
    Path spec = Fixtures.spec(dir, name, 2, checks);
    Fixtures.version(db, name, "live", 100, "2026-01-01", Fixtures.COLUMNS, LIVE);
    Fixtures.publish(db, spec, "live");
    return spec;
  }

  private static CliRun validate(Path spec, String version, String... more) {
    String[] args = new String[] {"validate", "--spec", spec.toString(), "--version", version};
    return SwapRun.of(db.env, concat(args, more));
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static JsonNode check(CliRun run, String name) {
    for (JsonNode c : run.json().get("checks")) {
      if (c.get("name").asText().equals(name)) return c;
    }
    throw new AssertionError("no check " + name + " in " + run);
  }

  @Test
  void whatChangedIsCountedByKeyRecordedWithTheVersionShownByStatusAndWrittenAsAPage() throws Exception {
    Path spec = published("dif", """
        max_changed_pct: 10
        max_column_change_pct: {total_value: 5}
        """);
    Fixtures.version(db, "dif", "next", 101, "2026-01-02", Fixtures.COLUMNS, CHANGED);
    CliRun run = validate(spec, "next", "--report", dir.resolve("reports").toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();

    JsonNode diff = run.json().get("diff");
    assertThat(diff.get("against_version").asText()).isEqualTo("live");
    assertThat(diff.get("added").asLong()).isEqualTo(3);
    assertThat(diff.get("removed").asLong()).isEqualTo(2);
    assertThat(diff.get("changed").asLong()).isEqualTo(2);
    assertThat(diff.get("changed_pct").asDouble()).isCloseTo(700.0 / 103, within(1e-3));
    JsonNode cols = diff.get("columns");
    assertThat(cols.get("total_value").get("changed").asLong()).isEqualTo(1);
    assertThat(cols.get("total_value").get("largest").asDouble()).isCloseTo(0.5, within(1e-9)); // 21 → 10.5, relative
    assertThat(cols.get("total_value").get("sum_change_pct").asDouble()).isCloseTo(304.5 * 100 / 7575, within(1e-9));
    assertThat(cols.get("geom").get("changed").asLong()).isEqualTo(1);
    assertThat(cols.get("geom").get("changed_area").asDouble()).isCloseTo(1.0, within(1e-9));
    assertThat(cols.has("tag")).isFalse(); // unchanged columns stay out of the result line …
    assertThat(cols.get("events").get("changed").asLong()).isZero(); // … but a sum that moved (keys came and went) is in
    assertThat(cols.get("events").get("sum_change_pct").asDouble()).isGreaterThan(0);
    assertThat(check(run, "max_changed_pct").get("status").asText()).isEqualTo("passed");
    assertThat(check(run, "max_changed_pct").get("observed").asDouble()).isEqualTo(6.8);
    assertThat(check(run, "max_column_change_pct:total_value").get("status").asText()).isEqualTo("passed");
    assertThat(run.stderr()).contains("changed: +3 −2 ~2 of 103 keys (6.80%) against live version live");

    // recorded with the version, with the examples a reviewer needs
    assertThat(db.value("SELECT diff->>'added' FROM geoswap.versions WHERE pipeline = 'dif' AND version = 'next'"))
        .isEqualTo("3");
    assertThat(String.valueOf(db.value("SELECT diff->'keys'->'extra'->'examples' FROM geoswap.versions"
        + " WHERE pipeline = 'dif' AND version = 'next'"))).contains("zone_id=101");
    CliRun status = SwapRun.of(db.env, "status", "--spec", spec.toString());
    assertThat(status.stdout()).contains("last diff: version next: +3 −2 ~2 of 103 keys (6.80%) against live version live");
    assertThat(status.json().get("last_diff").get("changed").asLong()).isEqualTo(2);
    assertThat(status.json().get("last_diff").get("key_count").asLong()).isEqualTo(103);

    Path page = dir.resolve("reports/dif-next.html");
    assertThat(run.json().get("report").asText()).isEqualTo(page.toString());
    String html = Files.readString(page);
    assertThat(html).contains("<svg", "<title>zone_id=21</title>", "<title>zone_id=101</title>",
        "<title>zone_id=50</title>", "keys added", "total_value");
    assertThat(Files.readString(dir.resolve("reports/dif-next.json"))).contains("\"added\":3");
  }

  @Test
  void aRefreshThatKeepsEveryKeyAndTheRowCountButHalvesAValueIsStoppedByTheColumnGate() {
    Path spec = published("half", """
        max_change_pct: 0
        max_column_change_pct: {total_value: 5}
        """);
    Fixtures.version(db, "half", "halved", 100, "2026-01-02", Fixtures.COLUMNS,
        "SELECT g, 'x', g * 10, g * 0.75, ST_MakeEnvelope(g, 0, g + 1, 1, 4326) FROM generate_series(1, 100) g");
    CliRun run = validate(spec, "halved");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(check(run, "max_change_pct").get("status").asText()).isEqualTo("passed");
    JsonNode gate = check(run, "max_column_change_pct:total_value");
    assertThat(gate.get("status").asText()).isEqualTo("failed");
    assertThat(gate.get("observed").asDouble()).isEqualTo(50.0);
    assertThat(gate.get("detail").asText()).contains("7575.0 → 3787.5");
    CliRun promote = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", "halved");
    assertThat(promote.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(db.count("SELECT count(*) FROM public.vw_half WHERE total_value = zone_id * 1.5")).isEqualTo(100);
  }

  @Test
  void tooManyChangedKeysFailMaxChangedPct() {
    Path spec = published("many", "max_changed_pct: 5");
    Fixtures.version(db, "many", "next", 101, "2026-01-02", Fixtures.COLUMNS, CHANGED);
    CliRun run = validate(spec, "next");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(check(run, "max_changed_pct").get("status").asText()).isEqualTo("failed");
    assertThat(check(run, "max_changed_pct").get("detail").asText()).contains("+3 −2 ~2 of 103 keys");
    assertThat(run.stderr()).contains("failed: max_changed_pct");
  }

  @Test
  void theSpecsDiffTolerancesDecideWhatCountsAsChanged() {
    // key 21's square moved by 0.5 (Hausdorff 0.5), key 7's total_value doubled (relative 0.5): within these
    Path spec = published("tol", """
        diff_float_tolerance: 1e-0
        diff_geometry_tolerance: 0.5
        max_changed_pct: 5
        """);
    Fixtures.version(db, "tol", "next", 101, "2026-01-02", Fixtures.COLUMNS, CHANGED);
    CliRun run = validate(spec, "next");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().at("/diff/changed").asLong()).isZero();
    assertThat(run.json().at("/diff/added").asLong()).isEqualTo(3);
    assertThat(check(run, "max_changed_pct").get("observed").asDouble()).isEqualTo(4.85);
  }

  @Test
  void aColumnGateOnAColumnThatIsNotNumericIsASpecError() {
    Path spec = published("txt", "max_column_change_pct: {tag: 1}");
    Fixtures.version(db, "txt", "next", 101, "2026-01-02", Fixtures.COLUMNS, CHANGED);
    CliRun run = validate(spec, "next");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(check(run, "max_column_change_pct:tag").get("detail").asText())
        .isEqualTo("checks.max_column_change_pct.tag: tag is not a numeric non-key column of both versions");
  }

  @Test
  void theFirstVersionHasNothingToCompareWithAndTheDiffCanBeTurnedOff() {
    Path spec = Fixtures.spec(dir, "first", 2, "max_changed_pct: 1");
    Fixtures.version(db, "first", "one", 10, "2026-01-01");
    CliRun run = validate(spec, "one", "--report", dir.resolve("first").toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.json().has("diff")).isFalse();
    assertThat(check(run, "max_changed_pct").get("status").asText()).isEqualTo("skipped");
    assertThat(run.stderr()).contains("report: none (no live version to compare with)");

    Path off = published("nodiff", "diff: false");
    Fixtures.version(db, "nodiff", "next", 101, "2026-01-02", Fixtures.COLUMNS, CHANGED);
    CliRun quiet = validate(off, "next");
    assertThat(quiet.exitCode()).as(quiet.toString()).isZero();
    assertThat(quiet.json().has("diff")).isFalse();
    assertThat(db.value("SELECT diff IS NULL FROM geoswap.versions WHERE pipeline = 'nodiff' AND version = 'next'"))
        .isEqualTo(true);
  }

  @Test
  void aCheckThatRunsLongerThanChecksTimeoutFailsByNameAndIsNotRetried() {
    published("slow", "min_rows: 1");
    Path spec = Fixtures.spec(dir, "slow", 2, """
        timeout: 1s
        sql:
          - "SELECT pg_sleep(3) IS NOT NULL"
        """);
    Fixtures.version(db, "slow", "next", 100, "2026-01-02", Fixtures.COLUMNS, LIVE);
    CliRun run = validate(spec, "next");
    // 3, not 75: the same check on the same data runs as long again (README, "Exit codes")
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.DATA.code());
    JsonNode slow = check(run, "sql[0]");
    assertThat(slow.get("status").asText()).isEqualTo("timeout");
    assertThat(slow.get("detail").asText()).contains("checks.timeout (1s)", "raise checks.timeout");
    assertThat(check(run, "key_unique").get("status").asText()).isEqualTo("passed"); // the others still ran
  }

  @Test
  void aReportFolderThatCannotBeWrittenIsAUsageErrorBeforeAnythingRuns() {
    Path spec = published("ro", "min_rows: 1");
    Fixtures.version(db, "ro", "next", 100, "2026-01-02", Fixtures.COLUMNS, LIVE);
    CliRun run = validate(spec, "next", "--report", "/proc/geoswap-reports");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.stderr()).contains("--report: cannot create the folder /proc/geoswap-reports");
    assertThat(db.value("SELECT status || ' ' || (validation IS NULL) FROM geoswap.versions"
        + " WHERE pipeline = 'ro' AND version = 'next'")).isEqualTo("built true");
  }

  @Test
  void theReportCanGoToS3() throws Exception {
    Path spec = published("sss", "max_changed_pct: 50");
    Fixtures.version(db, "sss", "next", 101, "2026-01-02", Fixtures.COLUMNS, CHANGED);
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
    try (MotoServer moto = new MotoServer();
        S3Client s3 = S3Client.builder().endpointOverride(URI.create(moto.endpoint)).forcePathStyle(true)
            .region(Region.US_EAST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
            .build()) {
      s3.createBucket(r -> r.bucket("artifacts"));
      CliRun run = validate(spec, "next", "--report", "s3://artifacts/geoswap/reports", "--aws-region", "us-east-1",
          "--aws-endpoint-url", moto.endpoint);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.json().get("report").asText()).isEqualTo("s3://artifacts/geoswap/reports/sss-next.html");
      var page = s3.getObjectAsBytes(r -> r.bucket("artifacts").key("geoswap/reports/sss-next.html"));
      assertThat(page.response().contentType()).startsWith("text/html");
      assertThat(page.asString(StandardCharsets.UTF_8)).contains("<svg", "zone_id=21");

      CliRun noRegion = validate(spec, "next", "--report", "s3://artifacts/geoswap/reports", "--aws-endpoint-url",
          moto.endpoint);
      if (!regionKnown()) { // a developer's AWS_REGION or ~/.aws/config would give it one
        assertThat(noRegion.exitCode()).as(noRegion.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(noRegion.stderr()).contains("no AWS region for S3: set AWS_REGION or --aws-region");
      }

      CliRun missing = validate(spec, "next", "--report", "s3://nope/reports", "--aws-region", "us-east-1",
          "--aws-endpoint-url", moto.endpoint);
      assertThat(missing.exitCode()).isEqualTo(ExitCode.USAGE.code());
      assertThat(missing.stderr()).contains("no such bucket: nope");
    }
  }

  private static boolean regionKnown() {
    try {
      new software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain().getRegion();
      return true;
    } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
      return false;
    }
  }
}
