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

  /** The counts every rendering starts with: against which version, keys added, removed, changed, and the %. */
  public Map<String, Object> counts() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("against_version", liveVersion);
    m.put("added", added());
    m.put("removed", removed());
    m.put("changed", changed());
    m.put("changed_pct", Math.round(changedPct() * 1e4) / 1e4);
    return m;
  }

  /** What validate's result line carries: the counts and, per column that moved, what the gates measure. */
  public Map<String, Object> resultSummary() {
    Map<String, Object> m = counts();
    Map<String, Object> cols = new LinkedHashMap<>();
    for (ColumnResult col : report.columns()) {
      if (col.differing() == 0 && (col.sumChangePct() == null || col.sumChangePct() == 0)) continue;
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("changed", col.differing());
      if (col.worst() != null) c.put("largest", col.worst());
      if (col.sumChangePct() != null) c.put("sum_change_pct", col.sumChangePct());
      if (col.changedArea() != null) c.put("changed_area", col.changedArea());
      cols.put(col.column(), c);
    }
    m.put("columns", cols);
    return m;
  }

  /** What the registry keeps and status reads: the counts, the summary line and the whole comparison. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = counts();
    m.put("key_count", keys()); // "keys" is the comparison's: missing, extra, duplicate
    m.put("summary", summary());
    m.putAll(report.toJson());
    return m;
  }
}
