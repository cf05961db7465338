package io.geoswap.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.testkit.TestDb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.ExitCode;
import io.geoswap.job.tools.ExampleData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar as spark-submit runs it, in its own JVM with Spark's jars ahead of it: main, exit codes,
 * the last-line JSON, GeoTools' CRS lookup through the merged service files (EPSG:3035 in land_use_area),
 * and no password anywhere in its output.
 */
class ShadedJarIT {
  private static TestDb db;

  @BeforeAll
  static void setUp() {
    db = TestDb.fresh("it_shaded_jar");
    Path example = TestDb.repoRoot().resolve("examples/land_use_area");
    ExampleData.generate(db.settings, example,
        ExampleData.params(example, List.of("regions_x=2", "regions_y=2", "polygons=800")), true);
  }

  record Result(int exit, String stdout, String stderr) {
    JsonNode json() throws IOException {
      String[] lines = stdout.strip().split("\n");
      return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
  }

  private static Result job(String... args) throws Exception {
    String jar = System.getProperty("geoswap.jobJar");
    String sparkClasspath = Files.readString(Path.of(System.getProperty("geoswap.sparkClasspath"))).strip();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + TestDb.repoRoot().resolve("jvm/spark-java17.args"), "-Xmx1g",
        "-cp", sparkClasspath + java.io.File.pathSeparator + jar, "io.geoswap.job.JobMain"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(db.env); // PGPASSWORD travels in the environment, never in argv
    pb.environment().put("SCARF_NO_ANALYTICS", "true");
    Path out = Files.createTempFile("job", ".out");
    Path err = Files.createTempFile("job", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("job finished").isTrue();
    assertThat(String.join(" ", cmd)).doesNotContain(db.settings.password());
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theJarBuildsAVersionAndEndsWithItsJson() throws Exception {
    Result r = job("--spec", TestDb.repoRoot().resolve("pipelines/land_use_area.yaml").toString(), "--version", "jar1");

    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(r.json().get("status").asText()).isEqualTo("built");
    assertThat(r.json().get("rows").asLong()).isEqualTo(db.count("SELECT count(*) FROM public.mv_land_use_area"));
    Equivalence.assertEquivalent(db, "public.land_use_area_vjar1", "public.mv_land_use_area",
        List.of("region_id", "season", "land_type"), List.of(), List.of("area_m2"), 1e-6, "geom", 1e-9);
    assertThat(r.stdout() + r.stderr()).doesNotContain(db.settings.password());
    assertThat(r.stderr()).doesNotContain("SLF4J: ").as("one slf4j on the classpath");
  }

  @Test
  void aBadSpecExitsWithTwoAndSaysWhy() throws Exception {
    Path spec = Files.createTempFile("bad", ".yaml");
    Files.writeString(spec, "name: Bad-Name\n");
    Result r = job("--spec", spec.toString(), "--version", "v1");

    assertThat(r.exit()).isEqualTo(ExitCode.USAGE.code());
    assertThat(r.stderr()).contains("geoswap: error: invalid spec", "name: 'Bad-Name' must match", "target: is required");
    assertThat(r.json().get("exit_code").asInt()).isEqualTo(ExitCode.USAGE.code());
  }

  @Test
  void aMissingOptionIsAUsageError() throws Exception {
    Result r = job("--spec", "x.yaml");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE.code());
    assertThat(r.stderr()).contains("Missing required option: '--version");
  }
}
