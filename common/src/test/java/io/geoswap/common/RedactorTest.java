package io.geoswap.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.cli.Cli;
import io.geoswap.common.db.DbSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactorTest {
  @Test
  void aPasswordGivenToDbSettingsIsMaskedInEveryErrorLineAndJsonResult() {
    String password = "s3cr3t-Pa55+word";
    DbSettings.fromEnv(Map.of("PGUSER", "u", "PGPASSWORD", password), "test");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    RuntimeException leak = new IllegalStateException("PGPASSWORD=" + password + "\nHOME=/root; encoded "
        + java.net.URLEncoder.encode(password, StandardCharsets.UTF_8));
    int code = Cli.failure(leak, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(ExitCode.UNEXPECTED.code());
    String all = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    assertThat(all).doesNotContain(password).doesNotContain("s3cr3t-Pa55%2Bword").contains("PGPASSWORD=****");
  }

  @Test
  void shortValuesAreNotSecretsWorthMaskingWordsFor() {
    Redactor.register("ab");
    assertThat(Redactor.redact("a tab and a crab")).isEqualTo("a tab and a crab");
  }

  @Test
  void textFromOutsideBecomesOneBoundedLineWithoutControlBytes() {
    assertThat(Text.oneLine("a\u0000b\n  c\td\u001b[31m")).isEqualTo("ab c d[31m");
    assertThat(Text.clip("x".repeat(300), 200)).hasSize(200).endsWith("…");
    assertThat(Text.firstLine("first\nsecond", 100)).isEqualTo("first");
  }
}
