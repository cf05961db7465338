package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.ExitCode;
import io.geoswap.testkit.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors init finds before it connects: no database needed, nothing written. */
class InitMainTest {
  @TempDir Path dir;

  @Test
  void anExistingOutputFileIsRefusedWithoutForceAndLeftAsItWas() throws Exception {
    Files.writeString(dir.resolve("zone_stats.sql"), "mine");
    CliRun run = InitRun.init(Map.of(), "--from-matview", "public.mv_zone_stats", "--out", dir.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.stderr()).contains("zone_stats.sql exists: --force to overwrite it");
    assertThat(run.json().get("exit_code").asInt()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("zone_stats.sql"))).isEqualTo("mine");
    assertThat(dir.resolve("zone_stats.yaml")).doesNotExist();
  }

  @Test
  void theViewMustBeSchemaDotNameOfSafeIdentifiers() {
    for (String bad : new String[] {"mv_zone_stats", "public.mv; DROP TABLE x", "a.b.c", "Public.MV"}) {
      CliRun run = InitRun.init(Map.of(), "--from-matview", bad, "--out", dir.toString());
      assertThat(run.exitCode()).as(bad + ": " + run).isEqualTo(ExitCode.USAGE.code());
      assertThat(run.stderr()).contains("is not SCHEMA.MV");
    }
  }

  @Test
  void aNameThatIsNoPipelineNameIsAUsageError() {
    CliRun run = InitRun.init(Map.of(), "--from-matview", "public.mv_x", "--name", "Bad-Name", "--out", dir.toString());
    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(run.stderr()).contains("--name: 'Bad-Name' is not a pipeline name");
  }

  @Test
  void theNameDefaultsToTheViewsWithoutItsMvPrefix() throws Exception {
    Files.writeString(dir.resolve("road_length.port.md"), "old");
    CliRun run = InitRun.init(Map.of(), "--from-matview", "public.mv_road_length", "--out", dir.toString());
    assertThat(run.stderr()).contains("road_length.port.md exists");
  }
}
