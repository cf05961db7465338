package io.geoswap.common.registry;

import static io.geoswap.common.registry.VersionStatus.BUILDING;
import static io.geoswap.common.registry.VersionStatus.BUILT;
import static io.geoswap.common.registry.VersionStatus.DROPPED;
import static io.geoswap.common.registry.VersionStatus.FAILED;
import static io.geoswap.common.registry.VersionStatus.LIVE;
import static io.geoswap.common.registry.VersionStatus.RETIRED;
import static io.geoswap.common.registry.VersionStatus.SUPERSEDED;
import static io.geoswap.common.registry.VersionStatus.VALIDATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.SqlResources;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VersionStatusTest {
  @Test
  void theEnumAndRegistrySqlsCheckConstraintListTheSameStatuses() {
    String ddl = SqlResources.load(VersionRegistry.class, "registry.sql");
    Matcher m = Pattern.compile("CONSTRAINT versions_status_check CHECK \\(status IN\\s*\\(([^)]*)\\)\\)").matcher(ddl);
    assertThat(m.find()).as("registry.sql's CHECK on status").isTrue();
    List<String> inSql = Arrays.stream(m.group(1).split(",")).map(s -> s.trim().replace("'", "")).toList();
    assertThat(inSql).containsExactly(Arrays.stream(VersionStatus.values()).map(VersionStatus::value).toArray(String[]::new));
  }

  @Test
  void aStatusIsStoredAndShownInLowerCaseAndReadBack() {
    for (VersionStatus s : VersionStatus.values()) {
      assertThat(s.value()).isEqualTo(s.name().toLowerCase());
      assertThat(s).hasToString(s.value());
      assertThat(VersionStatus.of(s.value())).isSameAs(s);
      assertThat(s.meaning()).isNotBlank();
    }
    assertThatThrownBy(() -> VersionStatus.of("LIVE")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("building");
  }

  @Test
  void theJobMovesABuildToBuiltOrFailedAndAReclaimToFailed() {
    assertThat(BUILDING.next()).containsExactlyInAnyOrder(BUILT, FAILED, BUILDING);
    assertThat(VersionStatus.into(BUILT)).containsExactly(BUILDING);
  }

  @Test
  void validateMovesWhatWasBuiltButNeverWhatIsOrWasLive() {
    assertThat(VersionStatus.into(VALIDATED)).containsExactlyInAnyOrder(BUILT, VALIDATED, FAILED, SUPERSEDED);
    for (VersionStatus s : VersionStatus.into(VALIDATED)) assertThat(s.canMoveTo(FAILED)).as(s.value()).isTrue();
    assertThat(LIVE.canMoveTo(VALIDATED)).isFalse();
    assertThat(RETIRED.canMoveTo(FAILED)).isFalse();
  }

  @Test
  void promotePublishesValidatedOrSupersededRollbackRetiredAndTheReplacedVersionRetires() {
    assertThat(VersionStatus.into(LIVE)).containsExactlyInAnyOrder(VALIDATED, SUPERSEDED, RETIRED);
    assertThat(LIVE.next()).containsExactly(RETIRED);
    assertThat(VersionStatus.into(SUPERSEDED)).containsExactlyInAnyOrder(VALIDATED, SUPERSEDED);
  }

  @Test
  void onlyFailedSupersededAndRetiredVersionsAreDroppedNeverALiveOne() {
    assertThat(VersionStatus.into(DROPPED)).containsExactlyInAnyOrder(FAILED, SUPERSEDED, RETIRED);
    assertThatThrownBy(() -> LIVE.requireMoveTo(DROPPED)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("live to dropped");
  }

  @Test
  void anyVersionButTheLiveOneMayBeRebuilt() {
    assertThat(VersionStatus.into(BUILDING)).containsExactlyInAnyOrder(
        BUILDING, BUILT, FAILED, VALIDATED, RETIRED, SUPERSEDED, DROPPED);
  }

  @Test
  void aDroppedVersionOnlyComesBackByARebuild() {
    assertThat(DROPPED.next()).containsExactly(BUILDING);
  }

  @Test
  void theLauncherTrustsAJobRunOnlyIfTheRegistryHasItsTableBuilt() {
    assertThat(Arrays.stream(VersionStatus.values()).filter(VersionStatus::hasBuiltTable))
        .containsExactlyInAnyOrder(BUILT, VALIDATED, LIVE, RETIRED, SUPERSEDED);
  }
}
