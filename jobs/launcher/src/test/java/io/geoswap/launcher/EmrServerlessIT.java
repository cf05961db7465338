package io.geoswap.launcher;

import io.geoswap.testkit.MotoServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.ExitCode;
import io.geoswap.testkit.TestDb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.emrserverless.model.JobRun;
import software.amazon.awssdk.services.emrserverless.model.JobRunSummary;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The launcher against EMR Serverless and Secrets Manager as served by the moto emulator over HTTP. moto
 * runs no Spark: where a real job run would have written the version's registry row, the test writes it.
 */
class EmrServerlessIT {
  private static final String ROLE = "arn:aws:iam::123456789012:role/geoswap-emr-job";
  private static MotoServer moto;
  private static TestDb db;
  private static EmrServerlessClient emr;
  private static String app;
  private static Map<String, String> env;

  @BeforeAll
  static void setUp() throws Exception {
    moto = new MotoServer();
    db = TestDb.fresh("it_emr");
    env = new HashMap<>(db.env);
    env.put("AWS_ACCESS_KEY_ID", "testing");
    env.put("AWS_SECRET_ACCESS_KEY", "testing");
    env.put("AWS_REGION", "us-east-1");
    // The in-process launcher's SDK reads credentials through the default chain: system properties here.
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
    var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
    emr = EmrServerlessClient.builder().endpointOverride(URI.create(moto.endpoint)).region(Region.US_EAST_1)
        .credentialsProvider(creds).build();
    app = emr.createApplication(r -> r.name("geoswap").releaseLabel("emr-7.5.0").type("SPARK")).applicationId();
    try (SecretsManagerClient sm = SecretsManagerClient.builder().endpointOverride(URI.create(moto.endpoint))
        .region(Region.US_EAST_1).credentialsProvider(creds).build()) {
      sm.createSecret(r -> r.name("geoswap/db").secretString("{\"engine\":\"postgres\",\"host\":\"" + db.settings.host()
          + "\",\"port\":" + db.settings.port() + ",\"dbname\":\"" + db.settings.database() + "\",\"username\":\""
          + db.settings.user() + "\",\"password\":\"" + db.settings.password() + "\",\"sslmode\":\"disable\"}"));
      sm.createSecret(r -> r.name("geoswap/not-json").secretString("host=db password=" + db.settings.password()));
      sm.createSecret(r -> r.name("geoswap/incomplete").secretString("{\"host\":\"db\",\"username\":\"u\",\"dbname\":\"d\","
          + "\"port\":\"nope\",\"password\":\"\"}"));
    }
    // The registry a real job run would leave behind.
    db.exec("CREATE SCHEMA geoswap");
    try (var c = db.connect()) {
      new io.geoswap.common.registry.VersionRegistry(c).ensureSchema();
    }
  }

  @AfterAll
  static void tearDown() {
    if (emr != null) emr.close();
    if (moto != null) moto.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  private static void registered(String version, String status, Integer errorCode, String error) {
    db.exec("INSERT INTO geoswap.versions (pipeline, version, table_schema, table_name, status, build_id, rows_written,"
        + " error_code, error) VALUES ('zone_stats', '" + version + "', 'public', 'zone_stats_v" + version + "', '"
        + status + "', gen_random_uuid(), 42, " + errorCode + ", " + (error == null ? "NULL" : "'" + error + "'") + ")");
  }

  private static List<String> args(String version, String... extra) {
    List<String> a = new ArrayList<>(List.of("run", "emr-serverless", "--application-id", app,
        "--execution-role-arn", ROLE, "--job-jar", "s3://geoswap-artifacts/geoswap-job.jar",
        "--spec", "s3://geoswap-artifacts/pipelines/zone_stats.yaml", "--version", version,
        "--logical-date", "2026-11-24T03:00:00Z", "--db-secret-id", "geoswap/db", "--aws-endpoint-url", moto.endpoint,
        "--log-uri", "s3://geoswap-logs/emr", "--poll-interval", "100ms", "--dag-id", "geoswap__zone_stats",
        "--dag-run-id", "scheduled__2026-11-24T03:00:00+00:00"));
    a.addAll(List.of(extra));
    return a;
  }

  private static List<String> withSecret(String version, String secretId) {
    List<String> a = args(version);
    a.set(a.indexOf("geoswap/db"), secretId);
    return a;
  }

  record Launch(int exitCode, String stdout, String stderr) {
    JsonNode json() throws Exception {
      String[] lines = stdout.strip().split("\n");
      return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
  }

  private static Launch launch(List<String> args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code = LauncherMain.execute(env, o, e, args.toArray(String[]::new));
      return new Launch(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  private static List<JobRunSummary> runsNamed(String name) {
    try {
      return emr.listJobRunsPaginator(r -> r.applicationId(app)).jobRuns().stream().filter(r -> name.equals(r.name())).toList();
    } catch (software.amazon.awssdk.services.emrserverless.model.ResourceNotFoundException e) {
      return List.of(); // moto: the application has no runs yet
    }
  }

  private static JobRun awaitRunning(String version) {
    String name = "geoswap-zone_stats-" + version;
    await().atMost(Duration.ofSeconds(30)).until(() -> runsNamed(name).stream().anyMatch(r -> r.stateAsString().equals("RUNNING")));
    String id = runsNamed(name).get(0).id();
    return emr.getJobRun(r -> r.applicationId(app).jobRunId(id)).jobRun();
  }

  @Test
  void submitsWhatTheJobNeedsWaitsAndReportsTheVersion() throws Exception {
    registered("ok1", "built", null, null);
    CompletableFuture<Launch> launch = CompletableFuture.supplyAsync(() -> launch(args("ok1")));
    JobRun run = awaitRunning("ok1");

    var spark = run.jobDriver().sparkSubmit();
    assertThat(spark.entryPoint()).isEqualTo("s3://geoswap-artifacts/geoswap-job.jar");
    assertThat(spark.entryPointArguments()).containsSequence("--spec", "s3://geoswap-artifacts/pipelines/zone_stats.yaml")
        .containsSequence("--version", "ok1").containsSequence("--db-secret-id", "geoswap/db")
        .doesNotContain(db.settings.password()).doesNotContain("--aws-endpoint-url");
    assertThat(spark.sparkSubmitParameters()).contains("--class io.geoswap.job.JobMain",
        "spark.kryo.registrator=org.apache.sedona.core.serde.SedonaKryoRegistrator",
        "spark.executorEnv.SCARF_NO_ANALYTICS=true", "spark.emr-serverless.driverEnv.SCARF_NO_ANALYTICS=true",
        "spark.driver.extraJavaOptions=-Djts.relate=ng", "spark.executor.extraJavaOptions=-Djts.relate=ng");
    assertThat(run.tags()).containsEntry("geoswap:pipeline", "zone_stats").containsEntry("geoswap:version", "ok1")
        .containsEntry("airflow:dag_id", "geoswap__zone_stats");
    assertThat(run.executionRole()).isEqualTo(ROLE);
    assertThat(run.configurationOverrides().monitoringConfiguration().s3MonitoringConfiguration().logUri()).isEqualTo("s3://geoswap-logs/emr");
    assertThat(launch).isNotDone();

    moto.setState(app, run.jobRunId(), "SUCCESS", null);
    Launch l = launch.get(30, TimeUnit.SECONDS);
    assertThat(l.exitCode()).as(l.stderr()).isZero();
    assertThat(l.json().get("status").asText()).isEqualTo("built");
    assertThat(l.json().get("rows").asLong()).isEqualTo(42);
    assertThat(l.json().get("job_run_id").asText()).isEqualTo(run.jobRunId());
    assertThat(l.stdout() + l.stderr()).doesNotContain(db.settings.password());
  }

  @Test
  void aFailedRunFailsWithEmrsDetailsAndTheJobsOwnExitCode() throws Exception {
    registered("bad1", "failed", 3, "source events (public.events) is empty");
    CompletableFuture<Launch> launch = CompletableFuture.supplyAsync(() -> launch(args("bad1")));
    JobRun run = awaitRunning("bad1");
    moto.setState(app, run.jobRunId(), "FAILED", "Job failed, please check complete logs in configured logging destination.");

    Launch l = launch.get(30, TimeUnit.SECONDS);
    assertThat(l.exitCode()).isEqualTo(ExitCode.DATA.code());
    assertThat(l.json().get("error").asText()).contains("failed: Job failed, please check complete logs",
        "the job said: source events (public.events) is empty");
  }

  @Test
  void aSecondLauncherForTheSameVersionReattachesInsteadOfSubmitting() throws Exception {
    registered("twice", "built", null, null);
    CompletableFuture<Launch> first = CompletableFuture.supplyAsync(() -> launch(args("twice")));
    JobRun run = awaitRunning("twice");
    CompletableFuture<Launch> second = CompletableFuture.supplyAsync(() -> launch(args("twice")));
    Thread.sleep(1500);
    assertThat(runsNamed("geoswap-zone_stats-twice")).hasSize(1);

    moto.setState(app, run.jobRunId(), "SUCCESS", null);
    Launch a = first.get(30, TimeUnit.SECONDS);
    Launch b = second.get(30, TimeUnit.SECONDS);
    assertThat(a.exitCode()).isZero();
    assertThat(b.exitCode()).isZero();
    assertThat(b.json().get("reattached").asBoolean()).isTrue();
    assertThat(b.json().get("job_run_id").asText()).isEqualTo(run.jobRunId());
    assertThat(runsNamed("geoswap-zone_stats-twice")).hasSize(1);

    Launch third = launch(args("twice"));
    assertThat(third.exitCode()).isZero();
    assertThat(third.json().get("submitted").asBoolean()).isFalse();
    assertThat(runsNamed("geoswap-zone_stats-twice")).as("already succeeded: nothing submitted").hasSize(1);
  }

  @Test
  void onTimeoutTheRunIsCancelledAndTheLauncherExitsSeventyFive() throws Exception {
    registered("slow", "built", null, null);
    Launch l = launch(args("slow", "--timeout", "2s"));
    assertThat(l.exitCode()).isEqualTo(ExitCode.TEMPORARY.code());
    assertThat(l.json().get("error").asText()).contains("timed out after 2 s and was cancelled (now CANCELLED)");
    assertThat(runsNamed("geoswap-zone_stats-slow")).singleElement()
        .satisfies(r -> assertThat(r.stateAsString()).isEqualTo("CANCELLED"));
  }

  @Test
  void sigtermCancelsTheRunBeforeTheLauncherExits() throws Exception {
    registered("term", "built", null, null);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", Files.readString(Path.of(System.getProperty("geoswap.sparkClasspath"))).strip() + ":" + System.getProperty("geoswap.jobJar")
            + ":" + System.getProperty("geoswap.launcherJar"),
        LauncherMain.class.getName()));
    cmd.addAll(args("term"));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    JobRun run = awaitRunning("term");
    // Nothing secret on any command line of the launcher or its children.
    for (ProcessHandle h : List.of(p.toHandle())) {
      assertThat(h.info().commandLine().orElse("")).doesNotContain(db.settings.password());
      assertThat(Files.readString(Path.of("/proc/" + h.pid() + "/cmdline"))).doesNotContain(db.settings.password());
    }

    p.destroy(); // SIGTERM, as Airflow or ECS would send
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(err)).isEqualTo(ExitCode.TEMPORARY.code());
    assertThat(emr.getJobRun(r -> r.applicationId(app).jobRunId(run.jobRunId())).jobRun().stateAsString()).isEqualTo("CANCELLED");
    List<String> lines = Files.readAllLines(out);
    assertThat(new ObjectMapper().readTree(lines.get(lines.size() - 1)).get("status").asText()).isEqualTo("cancelled");
    assertThat(Files.readString(err)).contains("cancelling job run " + run.jobRunId());
    assertThat(Files.readString(out) + Files.readString(err)).doesNotContain(db.settings.password());
  }

  @Test
  void aMissingOrMalformedSecretIsAClearUsageErrorThatShowsNoSecret() {
    Launch missing = launch(withSecret("s1", "geoswap/nope"));
    assertThat(missing.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(missing.stderr()).contains("secret geoswap/nope not found in Secrets Manager");

    Launch notJson = launch(withSecret("s2", "geoswap/not-json"));
    assertThat(notJson.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(notJson.stderr()).contains("secret geoswap/not-json is not JSON");

    Launch incomplete = launch(withSecret("s3", "geoswap/incomplete"));
    assertThat(incomplete.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(incomplete.stderr()).contains("secret geoswap/incomplete lacks or has bad password, port (not a TCP port)");
    for (Launch l : List.of(missing, notJson, incomplete)) {
      assertThat(l.stdout() + l.stderr()).doesNotContain(db.settings.password());
    }
    assertThat(runsNamed("geoswap-zone_stats-s1")).isEmpty();
  }
}
