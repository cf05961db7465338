package io.geoswap.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.ExitCode;
import io.geoswap.job.tools.ExampleData;
import io.geoswap.testkit.MotoServer;
import io.geoswap.testkit.TestDb;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The task image as ECS runs it: loaded into podman from the jib tarball, run with host networking against
 * the local PostGIS. The output checked is stdout and stderr together, as the awslogs driver ships them:
 * its last line is what the Airflow operator turns into the XCom.
 */
class ContainerImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT = TestDb.repoRoot();
  private static TestDb db;
  private static String image;

  @TempDir static Path tmp;

  record Run(int exitCode, List<String> lines) {
    JsonNode last() {
      String line = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
      try {
        return JSON.readTree(line);
      } catch (IOException e) {
        throw new AssertionError("last output line is not JSON: " + line + "\n" + String.join("\n", lines), e);
      }
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n" + String.join("\n", lines);
    }
  }

  @BeforeAll
  static void loadImageAndData() throws Exception {
    String tar = System.getProperty("geoswap.imageTar");
    Run load = exec(Map.of(), List.of("podman", "load", "-i", tar));
    assertThat(load.exitCode()).as(load.toString()).isZero();
    image = load.lines().stream().filter(l -> l.startsWith("Loaded image")).reduce((a, b) -> b)
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElseThrow(() -> new AssertionError(load.toString()));
    db = TestDb.fresh("it_image");
    Path example = ROOT.resolve("examples/zone_stats");
    ExampleData.generate(db.settings, example,
        ExampleData.params(example, List.of("zones_x=10", "zones_y=10", "events=5000")), false);
  }

  /** podman run of the image; the database settings reach it as environment, by name only. */
  static Run task(Map<String, String> envOverrides, Path pipelines, String... args) throws Exception {
    Map<String, String> env = new HashMap<>(db.env);
    env.putAll(envOverrides);
    List<String> cmd = new ArrayList<>(List.of("podman", "run", "--rm", "--network", "host",
        "-v", pipelines + ":/pipelines:ro"));
    for (String k : List.of("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSSLMODE")) {
      cmd.addAll(List.of("-e", k)); // `-e NAME`: the value comes from podman's environment, not argv
    }
    cmd.add(image);
    cmd.addAll(List.of(args));
    return exec(env, cmd);
  }

  static Run task(String... args) throws Exception {
    return task(Map.of(), ROOT.resolve("pipelines"), args);
  }

  static Run exec(Map<String, String> env, List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("%s finished", cmd).isTrue();
    List<String> lines = new String(out, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    return new Run(p.exitValue(), lines);
  }

  @Test
  void imageRunsAsANonRootUserWithOciLabelsAndNoSecretsInIt() throws Exception {
    Run inspect = exec(Map.of(), List.of("podman", "image", "inspect", image));
    JsonNode config = JSON.readTree(String.join("\n", inspect.lines())).get(0).get("Config");
    assertThat(config.get("User").asText()).isEqualTo("10001:10001");
    assertThat(config.get("Labels").get("org.opencontainers.image.version").asText()).isNotBlank();
    assertThat(config.get("Labels").get("org.opencontainers.image.revision").asText()).matches("[0-9a-f]{40}");
    assertThat(config.get("Env").toString()).doesNotContainIgnoringCase("password").doesNotContainIgnoringCase("secret");
    assertThat(config.get("Entrypoint").toString()).contains("MaxRAMPercentage");
  }

  @Test
  void launcherBuildsThenSwapTaskValidatesAndPromotesAndTheLastLineIsTheResult() throws Exception {
    Run build = task("launcher", "run", "--target", "local", "--spec", "/pipelines/zone_stats.yaml",
        "--logical-date", "2026-11-01T03:00:00Z", "--run-id", "scheduled__2026-11-01T03:00:00+00:00");
    assertThat(build.exitCode()).as(build.toString()).isZero();
    assertThat(build.last().get("status").asText()).isEqualTo("built");
    String version = build.last().get("version").asText();
    assertThat(version).isEqualTo("20261101t030000");
    assertThat(db.count("SELECT count(*) FROM public.zone_stats_v" + version)).isEqualTo(100);

    Run validate = task("swap-task", "validate", "--spec", "/pipelines/zone_stats.yaml", "--version", version);
    assertThat(validate.exitCode()).as(validate.toString()).isZero();
    assertThat(validate.last().get("status").asText()).isEqualTo("validated");

    Run promote = task("swap-task", "promote", "--spec", "/pipelines/zone_stats.yaml", "--version", version);
    assertThat(promote.exitCode()).as(promote.toString()).isZero();
    assertThat(promote.last().get("version").asText()).isEqualTo(version);
    assertThat(db.count("SELECT count(*) FROM public.vw_zone_stats")).isEqualTo(100);
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'zone_stats'")).isEqualTo(version);
    // The logs are there too (stderr), and nothing follows the result.
    assertThat(build.lines()).anyMatch(l -> l.contains("built public.zone_stats_v" + version));
  }

  @Test
  void initPortsAMaterializedViewWhereTheTasksRun() throws Exception {
    db.exec("DROP MATERIALIZED VIEW IF EXISTS public.mv_img_zones;"
        + " CREATE MATERIALIZED VIEW public.mv_img_zones AS SELECT z.zone_id, z.name, count(e.id) AS events, z.geom"
        + "   FROM public.zones z LEFT JOIN public.events e ON ST_Contains(z.geom, e.geom) GROUP BY z.zone_id;"
        + " CREATE UNIQUE INDEX ON public.mv_img_zones (zone_id)");
    Run init = task("init", "--from-matview", "public.mv_img_zones", "--out", "/tmp/port");
    assertThat(init.exitCode()).as(init.toString()).isZero();
    assertThat(init.last().get("status").asText()).isEqualTo("ported");
    assertThat(init.last().get("spec").asText()).isEqualTo("/tmp/port/img_zones.yaml");
    assertThat(init.last().get("translated").asInt()).isPositive();
  }

  @Test
  void exitCodesAndTheJsonResultPassThroughTheContainer() throws Exception {
    Run usage = task();
    assertThat(usage.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(usage.last().get("exit_code").asInt()).isEqualTo(ExitCode.USAGE.code());

    // A failed check: 3, and nothing is published.
    Path strict = Files.createDirectories(tmp.resolve("strict"));
    for (String f : List.of("zone_stats.yaml", "zone_stats.sql")) {
      Files.copy(ROOT.resolve("pipelines").resolve(f), strict.resolve(f));
    }
    Files.writeString(strict.resolve("zone_stats.yaml"),
        Files.readString(strict.resolve("zone_stats.yaml")).replace("min_rows: 1", "min_rows: 1000000"));
    Run build = task(Map.of(), strict, "launcher", "run", "--target", "local", "--spec", "/pipelines/zone_stats.yaml",
        "--version", "strict1", "--logical-date", "2026-11-02T03:00:00Z");
    assertThat(build.exitCode()).as(build.toString()).isZero();
    Object liveBefore = db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'zone_stats'");
    Run check = task(Map.of(), strict, "swap-task", "validate", "--spec", "/pipelines/zone_stats.yaml", "--version", "strict1");
    assertThat(check.exitCode()).as(check.toString()).isEqualTo(ExitCode.DATA.code());
    assertThat(check.last().get("status").asText()).isEqualTo("failed");
    assertThat(db.value("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'zone_stats'")).isEqualTo(liveBefore);

    // Wrong password: 2 (retrying won't help), and the password is in no output line.
    Run denied = task(Map.of("PGPASSWORD", "not-the-password-xyz"), ROOT.resolve("pipelines"),
        "swap-task", "status", "--spec", "/pipelines/zone_stats.yaml");
    assertThat(denied.exitCode()).as(denied.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(denied.last().get("exit_code").asInt()).isEqualTo(ExitCode.USAGE.code());
    assertThat(denied.toString()).doesNotContain("not-the-password-xyz");

    // Database down: 75 (retried).
    Run down = task(Map.of("PGPORT", "1"), ROOT.resolve("pipelines"),
        "swap-task", "status", "--spec", "/pipelines/zone_stats.yaml");
    assertThat(down.exitCode()).as(down.toString()).isEqualTo(ExitCode.TEMPORARY.code());
    assertThat(down.last().get("exit_code").asInt()).isEqualTo(ExitCode.TEMPORARY.code());
  }

  @Test
  void onEcsTheTaskReadsItsSpecFromS3AndTheDatabaseFromSecretsManager() throws Exception {
    try (MotoServer moto = new MotoServer()) {
      var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
      try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(moto.endpoint)).forcePathStyle(true)
          .region(Region.US_EAST_1).credentialsProvider(creds).build();
          SecretsManagerClient sm = SecretsManagerClient.builder().endpointOverride(URI.create(moto.endpoint))
              .region(Region.US_EAST_1).credentialsProvider(creds).build()) {
        s3.createBucket(r -> r.bucket("artifacts"));
        for (String f : List.of("zone_stats.yaml", "zone_stats.sql")) {
          s3.putObject(r -> r.bucket("artifacts").key("geoswap/pipelines/" + f),
              RequestBody.fromFile(ROOT.resolve("pipelines").resolve(f)));
        }
        sm.createSecret(r -> r.name("geoswap/db").secretString("{\"engine\":\"postgres\",\"host\":\""
            + db.settings.host() + "\",\"port\":" + db.settings.port() + ",\"dbname\":\"" + db.settings.database()
            + "\",\"username\":\"" + db.settings.user() + "\",\"password\":\"" + db.settings.password()
            + "\",\"sslmode\":\"disable\"}"));
      }
      // As the ECS task definition runs it: AWS settings only (the task role, here moto's test keys); no PG*.
      Map<String, String> env = new HashMap<>(System.getenv());
      env.putAll(Map.of("AWS_ACCESS_KEY_ID", "testing", "AWS_SECRET_ACCESS_KEY", "testing", "AWS_REGION", "us-east-1"));
      List<String> run = List.of("podman", "run", "--rm", "--network", "host", "-e", "AWS_ACCESS_KEY_ID",
          "-e", "AWS_SECRET_ACCESS_KEY", "-e", "AWS_REGION", image, "swap-task", "status");
      List<String> aws = List.of("--db-secret-id", "geoswap/db", "--aws-endpoint-url", moto.endpoint);

      Run status = exec(env, concat(run, List.of("--spec", "s3://artifacts/geoswap/pipelines/zone_stats.yaml"), aws));
      assertThat(status.exitCode()).as(status.toString()).isZero();
      assertThat(status.last().get("pipeline").asText()).isEqualTo("zone_stats");
      assertThat(status.toString()).doesNotContain(db.settings.password());

      Run missing = exec(env, concat(run, List.of("--spec", "s3://artifacts/geoswap/pipelines/nope.yaml"), aws));
      assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(ExitCode.USAGE.code());
      assertThat(missing.last().get("error").asText()).contains("file not found: s3://artifacts/geoswap/pipelines/nope.yaml");
    }
  }

  @SafeVarargs
  static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> p : parts) all.addAll(p);
    return all;
  }
}
