package io.geoswap.common.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RunParamsTest {
  @Test
  void timestampsAreNormalisedToUtc() {
    RunParams p = RunParams.of("v1", "2026-11-24T04:00:00+01:00", "2026-11-23", "2026-11-24T03:00:00", null);
    assertThat(p.placeholders())
        .containsEntry("logical_date", "2026-11-24T03:00:00Z")
        .containsEntry("data_interval_start", "2026-11-23T00:00:00Z")
        .containsEntry("data_interval_end", "2026-11-24T03:00:00Z")
        .containsEntry("version", "v1");
  }

  @Test
  void rejectsAnythingButIso8601SoSubstitutionCantInjectSql() {
    assertThatThrownBy(() -> RunParams.of("v1", "2026-01-01' OR 1=1 --", null, null, null))
        .hasMessageContaining("--logical-date").hasMessageContaining("not an ISO-8601 timestamp");
  }

  @Test
  void missingValuesAreNamedWithTheirOption() {
    assertThatThrownBy(() -> Placeholders.substitute("ts < '${logical_date}'", RunParams.of("v1", null, null, null, null).placeholders(), "sources.events.where"))
        .hasMessage("sources.events.where uses ${logical_date} but no value was given (pass --logical-date or --run-after)");
    assertThatThrownBy(() -> Placeholders.substitute("ts < '${run_after}'", RunParams.of("v1", "2026-11-24", null, null, null).placeholders(), "transform"))
        .hasMessage("transform uses ${run_after} but no value was given (pass --run-after)");
  }

  @Test
  void aSourceCountTheBuildDidNotRecordAsksForARebuild() {
    // A version built before the registry kept source_rows (revision 7) has no count to give the check.
    assertThatThrownBy(() -> Placeholders.substitute("SELECT sum(events) = ${source_rows.events} FROM t",
        RunParams.of("v1", "2026-11-24", null, null, null).placeholders(), "checks.sql[0]"))
        .hasMessage("checks.sql[0] uses ${source_rows.events} but no value was given: the version's build recorded"
            + " no rows read from events (built before geoswap recorded them, or before the spec had that source);"
            + " rebuild the version");
  }

  @Test
  void aRunWithoutALogicalDateGivesItsRunAfterAsTheLogicalDate() {
    RunParams p = RunParams.of("v1", null, null, null, "manual__2026-12-02T01:00:00+00:00", "2026-12-02T02:00:00+01:00");
    assertThat(p.placeholders())
        .containsEntry("logical_date", "2026-12-02T01:00:00Z")
        .containsEntry("run_after", "2026-12-02T01:00:00Z")
        .doesNotContainKeys("data_interval_start", "data_interval_end");
    assertThat(p.logicalDate()).as("the run had none: recorded as none").isNull();
    assertThat(p.dateSource()).isEqualTo(RunParams.FROM_RUN_AFTER);
  }

  @Test
  void aLogicalDateWinsOverRunAfterAndRunAfterKeepsItsOwnValue() {
    RunParams p = RunParams.of("v1", "2026-11-24T03:00:00Z", null, null, null, "2026-11-25T03:00:00Z");
    assertThat(p.placeholders())
        .containsEntry("logical_date", "2026-11-24T03:00:00Z")
        .containsEntry("run_after", "2026-11-25T03:00:00Z");
    assertThat(p.dateSource()).isEqualTo(RunParams.FROM_LOGICAL_DATE);
    assertThat(RunParams.of("v1", null, null, null, null).dateSource()).isNull();
  }

  @Test
  void aMalformedRunAfterIsAUsageErrorNamingTheOption() {
    assertThatThrownBy(() -> RunParams.of("v1", null, null, null, null, "yesterday'; DROP TABLE x"))
        .isInstanceOfSatisfying(io.geoswap.common.GeoswapException.class,
            e -> assertThat(e.exitCode()).isEqualTo(io.geoswap.common.ExitCode.USAGE.code()))
        .hasMessage("--run-after 'yesterday'; DROP TABLE x' is not an ISO-8601 timestamp (e.g. 2026-11-24T03:00:00Z)");
  }

  @Test
  void runAfterIsAKnownPlaceholderEverywhere() {
    assertThat(Placeholders.KNOWN).contains("run_after");
    assertThat(Placeholders.CHECK_ONLY).doesNotContain("run_after");
  }
}
