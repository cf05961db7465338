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
        .hasMessage("sources.events.where uses ${logical_date} but no value was given (pass --logical-date)");
  }
}
