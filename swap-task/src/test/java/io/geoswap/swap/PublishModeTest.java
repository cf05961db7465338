package io.geoswap.swap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionStatus;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which versions promote and rollback may publish, and the exit code of a refusal. */
class PublishModeTest {
  private static VersionRecord version(VersionStatus status) {
    return new VersionRecord("p", "v1", "public", "p_vv1", status, UUID.randomUUID(), null, null, 3L, null, null,
        status == VersionStatus.FAILED ? "min_rows failed" : null, null, null, null, null, null, java.util.Map.of());
  }

  private static final java.time.OffsetDateTime NOV_1 = java.time.OffsetDateTime.parse("2026-11-01T03:00:00Z");
  private static final java.time.OffsetDateTime DEC_2 = java.time.OffsetDateTime.parse("2026-12-02T01:00:00Z");

  /** A validated version {@code v} of a run with these dates (either may be null). */
  private static VersionRecord run(String v, java.time.OffsetDateTime logicalDate, java.time.OffsetDateTime runAfter) {
    return new VersionRecord("p", v, "public", "p_v" + v, VersionStatus.VALIDATED, UUID.randomUUID(), logicalDate,
        null, 3L, null, null, null, null, null, null, null, runAfter, java.util.Map.of());
  }

  @Test
  void aBackfillOlderThanTheLiveLogicalDateIsNotPromoted() {
    assertThat(PublishMode.olderThanLive(run("old", NOV_1, DEC_2), run("new", DEC_2, DEC_2)))
        .isEqualTo("version old (logical date 2026-11-01T03:00Z) is older than live version new (2026-12-02T01:00Z);"
            + " not promoted (use --force)");
    assertThat(PublishMode.olderThanLive(run("newer", DEC_2, null), run("old", NOV_1, null))).isNull();
    assertThat(PublishMode.olderThanLive(run("same", NOV_1, null), run("old", NOV_1, null))).isNull();
    assertThat(PublishMode.olderThanLive(run("first", NOV_1, null), null)).as("nothing live").isNull();
  }

  @Test
  void aRunWithoutALogicalDateIsANormalRunAndIsNeverSuperseded() {
    assertThat(PublishMode.olderThanLive(run("api", null, NOV_1), run("new", DEC_2, DEC_2))).isNull();
    assertThat(PublishMode.olderThanLive(run("api", null, null), run("new", DEC_2, null))).isNull();
  }

  @Test
  void againstALiveRunWithoutALogicalDateABackfillIsComparedWithItsRunAfter() {
    assertThat(PublishMode.olderThanLive(run("backfill", NOV_1, NOV_1), run("api", null, DEC_2)))
        .contains("is older than live version api (run_after 2026-12-02T01:00Z)");
    assertThat(PublishMode.olderThanLive(run("later", DEC_2.plusHours(1), null), run("api", null, DEC_2))).isNull();
    assertThat(PublishMode.olderThanLive(run("any", NOV_1, null), run("undated", null, null)))
        .as("a live version with no date at all: nothing is older").isNull();
  }

  private static int refusal(PublishMode mode, VersionStatus status) {
    try {
      mode.checkPublishable(version(status));
      return ExitCode.OK.code();
    } catch (GeoswapException e) {
      return e.exitCode();
    }
  }

  @Test
  void promotePublishesValidatedAndSupersededVersions() {
    assertThatCode(() -> PublishMode.PROMOTE.checkPublishable(version(VersionStatus.VALIDATED))).doesNotThrowAnyException();
    assertThatCode(() -> PublishMode.PROMOTE.checkPublishable(version(VersionStatus.SUPERSEDED))).doesNotThrowAnyException();
  }

  @Test
  void promoteRefusesARetiredVersionAndPointsToRollback() {
    assertThatThrownBy(() -> PublishMode.PROMOTE.checkPublishable(version(VersionStatus.RETIRED)))
        .hasMessageContaining("use rollback --to v1");
    assertThat(refusal(PublishMode.ROLLBACK, VersionStatus.RETIRED)).isEqualTo(ExitCode.OK.code());
  }

  @Test
  void aRefusalSaysWhatToDo() {
    for (PublishMode mode : PublishMode.values()) {
      assertThat(refusal(mode, VersionStatus.BUILT)).as("validate first").isEqualTo(ExitCode.USAGE.code());
      assertThat(refusal(mode, VersionStatus.FAILED)).as("a failed version is a data problem").isEqualTo(ExitCode.DATA.code());
      assertThat(refusal(mode, VersionStatus.BUILDING)).as("wait for the build").isEqualTo(ExitCode.TEMPORARY.code());
      assertThat(refusal(mode, VersionStatus.DROPPED)).isEqualTo(ExitCode.USAGE.code());
      assertThat(refusal(mode, VersionStatus.LIVE)).isEqualTo(ExitCode.USAGE.code());
    }
    assertThatThrownBy(() -> PublishMode.PROMOTE.checkPublishable(version(VersionStatus.FAILED)))
        .hasMessageContaining("failed (min_rows failed)");
  }

  @ParameterizedTest
  @EnumSource(VersionStatus.class)
  void whatAModePublishesIsAStatusThatMayBecomeLive(VersionStatus status) {
    for (PublishMode mode : PublishMode.values()) {
      if (refusal(mode, status) == ExitCode.OK.code()) {
        assertThat(status.canMoveTo(VersionStatus.LIVE)).as(mode + " publishes " + status).isTrue();
      }
    }
  }
}
