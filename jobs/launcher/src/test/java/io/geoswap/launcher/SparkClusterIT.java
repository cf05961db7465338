package io.geoswap.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.job.Equivalence;
import io.geoswap.job.TestSpark;
import io.geoswap.job.tools.ExampleData;
import io.geoswap.testkit.TestDb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar EMR Serverless will run, on a real Spark 3.5 standalone cluster (a master and two
 * workers from the pyspark distribution), submitted with spark-submit by the launcher: its table must equal
 * the local run's. This is where serialization, the shaded service files, and executors writing to PostGIS
 * are proven across JVMs.
 */
class SparkClusterIT {
  private static final List<Process> cluster = new ArrayList<>();
  private static String masterUrl;
  private static Path work;
  private static int webUiPort;
  private static TestDb db;
  private static SparkSession localSpark;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    String home = System.getenv("GEOSWAP_SPARK_HOME");
    if (home == null) throw new IllegalStateException("no Spark distribution: run the ITs through ./geoswap test");
    work = Files.createTempDirectory("spark-work");
    int port = freePort();
    webUiPort = freePort();
    masterUrl = "spark://127.0.0.1:" + port;
    cluster.add(daemon(home, work, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
        Integer.toString(port), "--webui-port", Integer.toString(webUiPort)));
    for (int i = 0; i < 2; i++) {
      cluster.add(daemon(home, work, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
          "--memory", "1g", "--webui-port", Integer.toString(freePort()), "--work-dir", work.resolve("w" + i).toString(), masterUrl));
    }
    HttpClient http = HttpClient.newHttpClient();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
      String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webUiPort + "/json/")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      return new ObjectMapper().readTree(json).get("aliveworkers").asInt() == 2;
    });
    db = TestDb.fresh("it_spark_cluster");
    Path example = TestDb.repoRoot().resolve("examples/zone_stats");
    ExampleData.generate(db.settings, example,
        ExampleData.params(example, List.of("zones_x=20", "zones_y=15", "events=30000")), false);
    localSpark = TestSpark.start("local[2]");
  }

  private static Process daemon(String home, Path work, String mainClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(home, "bin", "spark-class").toString(), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SPARK_HOME", home);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_LOG_DIR", work.toString());
    pb.environment().put("SCARF_NO_ANALYTICS", "true");
    return pb.redirectErrorStream(true).redirectOutput(work.resolve(mainClass.substring(mainClass.lastIndexOf('.') + 1)
        + cluster.size() + ".log").toFile()).start();
  }

  @AfterAll
  static void stopCluster() {
    TestSpark.stop(localSpark);
    cluster.forEach(p -> p.descendants().forEach(ProcessHandle::destroy));
    cluster.forEach(Process::destroy);
  }

  private static JsonNode launch(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      code = LauncherMain.execute(db.env, o, System.err, args);
    }
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(code).as(json.toString()).isZero();
    return json;
  }

  /** Every command line on this machine, sampled until stopped: a password must never be on one. */
  static final class CommandLines implements AutoCloseable {
    final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    private final Thread thread = new Thread(() -> {
      while (!stop.get()) {
        ProcessHandle.allProcesses().forEach(h -> {
          try {
            seen.add(Files.readString(Path.of("/proc/" + h.pid() + "/cmdline")).replace('\0', ' '));
          } catch (Exception e) {
            // the process ended meanwhile
          }
        });
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    });

    CommandLines() {
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join();
    }
  }

  @Test
  void theShadedJarOnAStandaloneClusterBuildsTheSameTableAsTheLocalRun() throws Exception {
    String spec = TestDb.repoRoot().resolve("pipelines/zone_stats.yaml").toString();
    // Today's command line (--target) for one, the target as a command for the other: both are accepted.
    JsonNode local = launch("run", "local", "--spec", spec, "--version", "local1", "--logical-date", "2027-01-01");
    JsonNode remote;
    CommandLines commandLines = new CommandLines();
    try (commandLines) {
      remote = launch("run", "--target", "spark-submit", "--master", masterUrl, "--spark-home",
          System.getenv("GEOSWAP_SPARK_HOME"), "--job-jar", System.getProperty("geoswap.jobJar"),
          "--spark-conf", "spark.executor.memory=768m", "--spark-conf", "spark.sql.shuffle.partitions=4",
          "--spec", spec, "--version", "cluster1", "--logical-date", "2027-01-01");
    }
    String password = db.settings.password();
    assertThat(commandLines.seen).as("command lines sampled during the run").anyMatch(c -> c.contains("spark-submit")
        || c.contains("org.apache.spark.deploy.SparkSubmit"));
    assertThat(commandLines.seen).noneMatch(c -> c.contains(password));
    try (var files = Files.walk(work)) {
      List<Path> logs = files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".jar")).toList();
      assertThat(logs).as("master, worker and executor logs").anyMatch(f -> f.getFileName().toString().equals("stderr"));
      for (Path f : logs) {
        assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(password);
      }
    }

    assertThat(local.get("spark_app_id").asText()).startsWith("local-");
    assertThat(remote.get("spark_app_id").asText()).as("ran on the standalone master").startsWith("app-");
    assertThat(remote.get("rows").asLong()).isEqualTo(local.get("rows").asLong()).isEqualTo(300);
    Equivalence.assertEquivalent(db, "public.zone_stats_vcluster1", "public.zone_stats_vlocal1", List.of("zone_id"),
        List.of("name", "events", "categories"), List.of("total_value", "avg_value"), 1e-9, "geom", 0);
    String apps = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + webUiPort + "/json/")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(apps).contains(remote.get("spark_app_id").asText());
  }
}
