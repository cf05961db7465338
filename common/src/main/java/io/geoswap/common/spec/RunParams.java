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
 *
 * <p>Airflow 3 runs may have no logical date (triggered through the API with {@code logical_date: null},
 * asset-triggered), but every run has {@code run_after}; {@code ${logical_date}} then takes run_after's
 * value, and {@link #dateSource()} says which of the two the run's dates came from.
 */
public record RunParams(
    String version,
    OffsetDateTime logicalDate,
    OffsetDateTime dataIntervalStart,
    OffsetDateTime dataIntervalEnd,
    String runId,
    OffsetDateTime runAfter) {

  /** {@link #dateSource()} of a run with a logical date. */
  public static final String FROM_LOGICAL_DATE = "logical_date";
  /** {@link #dateSource()} of a run without one, whose {@code ${logical_date}} is its run_after. */
  public static final String FROM_RUN_AFTER = "run_after";

  public RunParams {
    Names.requireVersion(version);
  }

  public static RunParams of(String version, String logicalDate, String start, String end, String runId) {
    return of(version, logicalDate, start, end, runId, null);
  }

  public static RunParams of(String version, String logicalDate, String start, String end, String runId,
      String runAfter) {
    return new RunParams(
        version,
        parseTimestamp("--logical-date", logicalDate),
        parseTimestamp("--data-interval-start", start),
        parseTimestamp("--data-interval-end", end),
        runId,
        parseTimestamp("--run-after", runAfter));
  }

  /** The date {@code ${logical_date}} stands for: the logical date, else run_after (null: neither). */
  public OffsetDateTime effectiveLogicalDate() {
    return effectiveLogicalDate(logicalDate, runAfter);
  }

  /** {@link #effectiveLogicalDate()} of a run recorded with these two dates. */
  public static OffsetDateTime effectiveLogicalDate(OffsetDateTime logicalDate, OffsetDateTime runAfter) {
    return logicalDate != null ? logicalDate : runAfter;
  }

  /** Which timestamp {@code ${logical_date}} came from: {@value #FROM_LOGICAL_DATE}, {@value #FROM_RUN_AFTER}, or null. */
  public String dateSource() {
    return dateSource(logicalDate, runAfter);
  }

  /** {@link #dateSource()} of a run recorded with these two dates. */
  public static String dateSource(OffsetDateTime logicalDate, OffsetDateTime runAfter) {
    return logicalDate != null ? FROM_LOGICAL_DATE : runAfter != null ? FROM_RUN_AFTER : null;
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

  /**
   * Placeholder values of this run (those without a value are absent). {@code ${run_after}} has no fallback:
   * a spec that asks for it wants the time the run was due, not its logical date.
   */
  public Map<String, String> placeholders() {
    Map<String, String> values = new HashMap<>();
    values.put("version", version);
    OffsetDateTime logical = effectiveLogicalDate();
    if (logical != null) values.put("logical_date", render(logical));
    if (runAfter != null) values.put("run_after", render(runAfter));
    if (dataIntervalStart != null) values.put("data_interval_start", render(dataIntervalStart));
    if (dataIntervalEnd != null) values.put("data_interval_end", render(dataIntervalEnd));
    return values;
  }
}
