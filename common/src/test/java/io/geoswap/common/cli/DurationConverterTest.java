package io.geoswap.common.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class DurationConverterTest {
  @Command(name = "wait")
  static final class Wait implements Callable<Integer> {
    @Option(names = "--timeout", defaultValue = "2h", converter = DurationConverter.class) Duration timeout;

    @Override
    public Integer call() {
      return 0;
    }
  }

  @Test
  void readsTheShortFormsAndIso8601() {
    DurationConverter c = new DurationConverter();
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.convert("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.convert("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(c.convert("PT2H")).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void anOptionThatIsNoDurationIsAUsageErrorNamingIt() {
    Wait w = new Wait();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
      assertThat(Cli.execute(w, o, e, "--timeout", "soon")).isEqualTo(ExitCode.USAGE.code());
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--timeout", "'soon' is not a duration");
  }

  @Test
  void theDefaultIsConvertedToo() {
    Wait w = new Wait();
    assertThat(Cli.execute(w, new String[0])).isZero();
    assertThat(w.timeout).isEqualTo(Duration.ofHours(2));
  }
}
