package io.geoswap.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void versionTablesAndTheirIndexesFitPostgresIdentifierLimit() {
    String longest = Names.versionTable("p".repeat(40), "v".repeat(18));
    assertThat(Sql.identifierProblem(longest)).isNull();
    assertThat(Sql.identifierProblem(Names.indexName(longest, 9))).isNull();
    assertThat(Sql.identifierProblem(Names.keyIndexName(longest))).isNull();
  }

  @Test
  void versionIdsAreLowerCaseAndShort() {
    assertThat(Names.versionProblem("20261124t030000")).isNull();
    assertThat(Names.versionProblem("Manual__2026")).isNotNull();
    assertThat(Names.versionProblem("v".repeat(19))).isNotNull();
    assertThatThrownBy(() -> Names.versionTable("zone_stats", "a;b")).hasMessageContaining("--version");
  }

  @Test
  void aRunsVersionIsItsLogicalDateOrADigestOfItsRunIdAndAClearGetsANewOne() {
    var date = java.time.OffsetDateTime.parse("2026-11-24T04:00:00+01:00");
    assertThat(Names.versionFromRun(date, "scheduled__x", 0)).isEqualTo("20261124t030000");
    assertThat(Names.versionFromRun(date, "scheduled__x", 2)).isEqualTo("20261124t030000_2");
    String manual = Names.versionFromRun(null, "manual__2026-11-24T04:05:06.123456+00:00", 0);
    assertThat(manual).matches("r[0-9a-f]{14}").isEqualTo(Names.versionFromRun(null, "manual__2026-11-24T04:05:06.123456+00:00", 0));
    assertThat(Names.versionFromRun(null, "manual__other", 0)).isNotEqualTo(manual);
    assertThat(Names.versionProblem(Names.versionFromRun(null, "x", 99))).isNull();
    assertThatThrownBy(() -> Names.versionFromRun(null, null, 0)).hasMessageContaining("give --version");
  }

  @Test
  void versionTablePatternMatchesOnlyThatPipelinesVersions() {
    var p = Names.versionTablePattern("zone_stats");
    assertThat(p.matcher("zone_stats_v20261124").matches()).isTrue();
    assertThat(p.matcher("zone_stats_vx_y").matches()).isTrue();
    assertThat(p.matcher("zone_statsx_v1").matches()).isFalse();
    assertThat(p.matcher("vw_zone_stats").matches()).isFalse();
  }
}
