package io.geoswap.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DbSettingsTest {
  private static final String SECRET = "s3cr3t-Pa55";

  @Test
  void readsLibpqEnvironmentWithDefaults() {
    DbSettings s = DbSettings.fromEnv(Map.of("PGUSER", "geoswap", "PGPASSWORD", SECRET), "t");
    assertThat(s.host()).isEqualTo("localhost");
    assertThat(s.port()).isEqualTo(5432);
    assertThat(s.database()).isEqualTo("geoswap");
    assertThat(s.sslMode()).isEqualTo("prefer");
    assertThat(s.properties().getProperty("password")).isEqualTo(SECRET);
  }

  @Test
  void neverShowsThePassword() {
    DbSettings s = DbSettings.fromEnv(Map.of("PGUSER", "u", "PGPASSWORD", SECRET, "PGHOST", "db"), "t");
    assertThat(s.toString()).doesNotContain(SECRET).contains("****");
    assertThat(s.jdbcUrl()).doesNotContain(SECRET).isEqualTo("jdbc:postgresql://db:5432/u");
    assertThat(s.describe()).doesNotContain(SECRET);
  }

  @Test
  void reportsEveryProblemAtOnce() {
    assertThatThrownBy(() -> DbSettings.fromEnv(Map.of("PGPORT", "x", "PGSSLMODE", "maybe", "PGPASSWORD", SECRET), "t"))
        .isInstanceOf(GeoswapException.class)
        .hasMessageContaining("PGPORT").hasMessageContaining("PGSSLMODE").hasMessageContaining("PGUSER")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET))
        .extracting(e -> ((GeoswapException) e).exitCode()).isEqualTo(ExitCode.USAGE.code());
  }
}
