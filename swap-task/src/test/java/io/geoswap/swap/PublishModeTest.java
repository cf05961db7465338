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
        status == VersionStatus.FAILED ? "min_rows failed" : null, null, null, null, null);
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
