package io.geoswap.common;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 6h}, {@code 7d}, or ISO-8601. */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("^(\\d+)(ms|s|m|h|d)$");

  private Durations() {}

  /** The duration, or null if {@code text} is not one (the caller reports it with its key). */
  public static Duration parseOrNull(String text) {
    if (text == null) return null;
    String t = text.trim();
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(t);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** PostgreSQL's form for SET lock_timeout etc.: whole milliseconds. */
  public static String toPostgres(Duration d) {
    return d.toMillis() + "ms";
  }
}
