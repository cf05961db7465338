package io.geoswap.swap.compare;

import io.geoswap.swap.compare.ComparisonReport.ColumnResult;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What changed from the live version to a new one: the comparison by key (the new version on the left, the
 * live one on the right, so "extra" keys were added and "missing" ones removed) and the gates' measures.
 *
 * @param liveVersion the version the new one was compared with
 */
public record VersionDiff(String liveVersion, ComparisonReport report) {

  public long added() {
    return report.extraKeys().count();
  }

  public long removed() {
    return report.missingKeys().count();
  }

  /** Keys in both versions whose row differs in any column. */
  public long changed() {
    return report.changedRows();
  }

  /** Every key of either version: matched, added or removed. */
  public long keys() {
    return report.keys();
  }

  /** The {@code max_changed_pct} measure: keys added, removed or changed, over all keys of both versions. */
  public double changedPct() {
    return report.changedPct();
  }

  public Optional<ColumnResult> column(String name) {
    return report.columns().stream().filter(c -> c.column().equals(name)).findFirst();
  }

  /** One line: "+3 −1 ~120 of 2,004 keys (6.14%) against live version 20261201t0300". */
  public String summary() {
    return String.format(Locale.ROOT, "+%d −%d ~%d of %d keys (%.2f%%) against live version %s", added(), removed(),
        changed(), keys(), changedPct(), liveVersion);
  }

  /** What validate prints, the registry keeps and status reads. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("against_version", liveVersion);
    m.put("added", added());
    m.put("removed", removed());
    m.put("changed", changed());
    m.put("key_count", keys()); // "keys" is the comparison's: missing, extra, duplicate
    m.put("changed_pct", Math.round(changedPct() * 1e4) / 1e4);
    m.put("summary", summary());
    m.putAll(report.toJson());
    return m;
  }
}
