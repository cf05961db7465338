package io.geoswap.common.cli;

import io.geoswap.common.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A picocli option as a {@link Duration}, written as {@link Durations} reads it ({@code 500ms}, {@code 10s},
 * {@code 5m}, {@code 2h}, {@code 7d}, or ISO-8601 {@code PT2H}); anything else is a usage error naming
 * the option. Use: {@code @Option(names = "--timeout", converter = DurationConverter.class) Duration timeout}.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    Duration d = Durations.parseOrNull(value);
    if (d == null) {
      throw new TypeConversionException("'" + value + "' is not a duration (e.g. 500ms, 10s, 5m, 2h, 7d or PT2H)");
    }
    return d;
  }
}
