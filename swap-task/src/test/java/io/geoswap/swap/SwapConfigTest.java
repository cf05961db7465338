package io.geoswap.swap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SwapConfigTest {
  @Test
  void theOptionsBecomeTheRetryPolicyAndTheTimeouts() {
    SwapConfig config = SwapConfig.of("500ms", "30s", 3, "200ms", "5s", "0s");
    assertThat(config.retry()).isEqualTo(new RetryPolicy(3, Duration.ofMillis(500), Duration.ofMillis(200),
        Duration.ofSeconds(5)));
    assertThat(config.statementTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.snapshotWait()).as("0: don't wait").isZero();
  }

  @Test
  void everyBadOptionIsReportedAtOnceAsAUsageError() {
    assertThatThrownBy(() -> SwapConfig.of("0s", "soon", 0, "200ms", "5s", "-1s"))
        .isInstanceOfSatisfying(GeoswapException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE.code()))
        .hasMessageContaining("--lock-timeout: '0s'")
        .hasMessageContaining("--statement-timeout: 'soon'")
        .hasMessageContaining("--snapshot-wait: '-1s'")
        .hasMessageContaining("--max-attempts: 0 is outside 1..100");
  }
}
