package io.geoswap.common.registry;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * A version's status ({@code geoswap.versions.status}; the CHECK constraint in registry.sql lists the same
 * values), what it means, and where it may move next. Who moves it:
 * <ul>
 *   <li>the job: building → built | failed; a later build reclaiming an abandoned one: building → failed;
 *   <li>validate: built | validated | failed | superseded → validated | failed (a live or retired version
 *       keeps its status; its report is still recorded);
 *   <li>promote: validated | superseded → live; rollback: retired → live; the version either replaces:
 *       live → retired;
 *   <li>promote of an older logical date than the live one's (a backfill): validated | superseded → superseded;
 *   <li>retention and gc: failed | superseded | retired → dropped;
 *   <li>a rebuild of the same version id: any status but live → building (a live version is never rebuilt
 *       in place).
 * </ul>
 * The registry writes a status only from the statuses this enum allows to move there
 * ({@link #into(VersionStatus)}).
 */
public enum VersionStatus {
  BUILDING("the job is loading its table under the build lock; the table may be partial"),
  BUILT("the job loaded its table completely; not checked yet"),
  FAILED("the build or its checks failed; never published, gc drops its table"),
  VALIDATED("its checks passed; promote may publish it"),
  LIVE("the pipeline's view shows its table (geoswap.pipelines.live_version)"),
  RETIRED("was live, then replaced; kept for rollback up to target.retain, then dropped"),
  SUPERSEDED("validated, but older (logical date) than the live version when promoted; promote --force may"
      + " still publish it, gc drops it after --older-than"),
  DROPPED("its table is gone; the row stays as history");

  private final String meaning;

  VersionStatus(String meaning) {
    this.meaning = meaning;
  }

  /** What the status says about the version and its table. */
  public String meaning() {
    return meaning;
  }

  /** As stored in {@code geoswap.versions.status} and shown in JSON results: {@code building}, … */
  @JsonValue
  public String value() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public String toString() {
    return value();
  }

  /** The status stored as {@code value}. */
  public static VersionStatus of(String value) {
    for (VersionStatus s : values()) {
      if (s.value().equals(value)) return s;
    }
    throw new IllegalArgumentException("unknown version status '" + value + "' (registry.sql's CHECK allows "
        + Arrays.stream(values()).map(VersionStatus::value).toList() + ")");
  }

  /** Where a version may move from this status (the class comment says who moves it). */
  public Set<VersionStatus> next() {
    return switch (this) {
      case BUILDING -> EnumSet.of(BUILT, FAILED, BUILDING);
      case BUILT -> EnumSet.of(VALIDATED, FAILED, BUILDING);
      case FAILED -> EnumSet.of(VALIDATED, FAILED, DROPPED, BUILDING);
      case VALIDATED -> EnumSet.of(VALIDATED, FAILED, LIVE, SUPERSEDED, BUILDING);
      case LIVE -> EnumSet.of(RETIRED);
      case RETIRED -> EnumSet.of(LIVE, DROPPED, BUILDING);
      case SUPERSEDED -> EnumSet.of(VALIDATED, FAILED, LIVE, SUPERSEDED, DROPPED, BUILDING);
      case DROPPED -> EnumSet.of(BUILDING);
    };
  }

  public boolean canMoveTo(VersionStatus target) {
    return next().contains(target);
  }

  /** The statuses that may move to {@code target}: the guard of the registry's UPDATE to it. */
  public static Set<VersionStatus> into(VersionStatus target) {
    Set<VersionStatus> from = EnumSet.noneOf(VersionStatus.class);
    for (VersionStatus s : values()) {
      if (s.canMoveTo(target)) from.add(s);
    }
    return from;
  }

  /** Fails fast on a move this enum doesn't allow (a programming error, not a user's). */
  public void requireMoveTo(VersionStatus target) {
    if (!canMoveTo(target)) {
      throw new IllegalStateException("a version can't move from " + this + " to " + target + " (allowed: " + next() + ")");
    }
  }

  /** The job finished this version's table completely (whatever happened to it since, short of a drop). */
  public boolean hasBuiltTable() {
    return switch (this) {
      case BUILT, VALIDATED, LIVE, RETIRED, SUPERSEDED -> true;
      case BUILDING, FAILED, DROPPED -> false;
    };
  }
}
