package io.geoswap.common.registry;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A row of {@code geoswap.versions}; {@link VersionStatus} says what its status means and where it may move. */
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
    OffsetDateTime promotedAt) {}
