package io.geoswap.common.spec;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Names;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * The values of one run: its version and the Airflow dates. Timestamps are parsed as ISO-8601 (a date alone
 * means midnight UTC) and rendered back in one canonical UTC form, which is what placeholders receive.
 */
public record RunParams(
    String version,
    OffsetDateTime logicalDate,
    OffsetDateTime dataIntervalStart,
    OffsetDateTime dataIntervalEnd,
    String runId) {

  public RunParams {
    Names.requireVersion(version);
  }

  public static RunParams of(String version, String logicalDate, String start, String end, String runId) {
    return new RunParams(
        version,
        parseTimestamp("--logical-date", logicalDate),
        parseTimestamp("--data-interval-start", start),
        parseTimestamp("--data-interval-end", end),
        runId);
  }

  /** Null for null; a usage error naming {@code option} for anything that is not an ISO-8601 timestamp. */
  public static OffsetDateTime parseTimestamp(String option, String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String t = text.trim();
    try {
      return OffsetDateTime.parse(t).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      // fall through: a local date-time or a plain date is taken as UTC
    }
    try {
      return java.time.LocalDateTime.parse(t).atOffset(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      // fall through
    }
    try {
      return java.time.LocalDate.parse(t).atStartOfDay().atOffset(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw GeoswapException.usage(
          option + " '" + t.replaceAll("\\p{Cntrl}", "?") + "' is not an ISO-8601 timestamp (e.g. 2026-11-24T03:00:00Z)");
    }
  }

  /** Canonical text of a timestamp, as placeholders get it: {@code 2026-11-24T03:00:00Z}. */
  public static String render(OffsetDateTime ts) {
    return ts == null ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(ts.withOffsetSameInstant(ZoneOffset.UTC));
  }

  /** Placeholder values of this run (those without a value are absent). */
  public Map<String, String> placeholders() {
    Map<String, String> values = new HashMap<>();
    values.put("version", version);
    if (logicalDate != null) values.put("logical_date", render(logicalDate));
    if (dataIntervalStart != null) values.put("data_interval_start", render(dataIntervalStart));
    if (dataIntervalEnd != null) values.put("data_interval_end", render(dataIntervalEnd));
    return values;
  }
}
