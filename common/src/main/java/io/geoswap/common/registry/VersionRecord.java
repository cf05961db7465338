package io.geoswap.common.registry;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * A row of {@code geoswap.versions}; {@link VersionStatus} says what its status means and where it may move.
 * {@code logicalDate} is null for a run that had none (Airflow 3: API with {@code logical_date: null},
 * asset-triggered); {@code runAfter} is when the orchestrator's run was due (null when none was given).
 */
public record VersionRecord(
    String pipeline,
    String version,
    String tableSchema,
    String tableName,
    VersionStatus status,
    UUID buildId,
    OffsetDateTime logicalDate,
    String runId,
    Long rowsWritten,
    String phaseSecondsJson,
    String sparkAppId,
    String error,
    OffsetDateTime startedAt,
    OffsetDateTime finishedAt,
    String validationJson,
    OffsetDateTime promotedAt,
    OffsetDateTime runAfter,
    Map<String, Long> sourceRows) {

  /** The date the run's {@code ${logical_date}} stood for: its logical date, else its run_after. */
  public OffsetDateTime effectiveLogicalDate() {
    return logicalDate != null ? logicalDate : runAfter;
  }
}
