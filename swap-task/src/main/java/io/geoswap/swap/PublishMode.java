package io.geoswap.swap;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionStatus;

/**
 * The two ways a version is published, and which versions each may publish: promote publishes a version
 * that passed its checks (validated, or superseded: validated but older than the live one, with --force);
 * rollback re-publishes one that was live before (retired), or one promote could. Checked before the
 * snapshot guard and again under the pipeline's lock.
 */
enum PublishMode {
  PROMOTE(ViewSwap.Action.PROMOTED),
  ROLLBACK(ViewSwap.Action.ROLLED_BACK);

  /** What a publish in this mode reports when it re-points the view. */
  final ViewSwap.Action action;

  PublishMode(ViewSwap.Action action) {
    this.action = action;
  }

  /** Lower case, for application names and messages. */
  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Why promoting {@code rec} over {@code live} would publish older data (a backfill), or null when it
   * wouldn't; then the promote is skipped (superseded, exit 99) unless forced. Only a version with a logical
   * date can be a backfill: a run without one (Airflow 3: API with {@code logical_date: null}, asset-triggered)
   * is a normal run of now and is never superseded. Against a live version without a logical date, the
   * date compared is that version's run_after (what its {@code ${logical_date}} was); against one with
   * neither, nothing is older.
   */
  static String olderThanLive(VersionRecord rec, VersionRecord live) {
    if (rec.logicalDate() == null || live == null) return null;
    java.time.OffsetDateTime liveDate = live.effectiveLogicalDate();
    if (liveDate == null || !rec.logicalDate().isBefore(liveDate)) return null;
    return "version " + rec.version() + " (logical date " + rec.logicalDate() + ") is older than live version "
        + live.version() + " (" + (live.logicalDate() != null ? liveDate : "run_after " + liveDate)
        + "); not promoted (use --force)";
  }

  /** Refuses a version this mode can't publish, with the exit code that says what to do about it. */
  void checkPublishable(VersionRecord rec) {
    String what = "version " + rec.version() + " of " + rec.pipeline();
    VersionStatus s = rec.status();
    switch (s) {
      case VALIDATED, SUPERSEDED -> { }
      case RETIRED -> {
        if (this == PROMOTE) throw GeoswapException.usage(what + " was live before; use rollback --to " + rec.version());
      }
      case BUILT -> throw GeoswapException.usage(what + " is built but not validated: run validate first");
      case FAILED -> throw GeoswapException.data(what + " failed (" + rec.error() + "); it can't be published");
      case BUILDING -> throw GeoswapException.temporary(what + " is still building", null);
      case DROPPED -> throw GeoswapException.usage(what + " was dropped");
      case LIVE -> throw GeoswapException.usage(what + " has status " + s + " and can't be published");
    }
  }
}
