package io.geoswap.swap.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a comparison of two relations by key found: columns missing on either side or of incompatible
 * types, keys missing, extra or duplicated, and per compared column the rows that differ, the worst
 * difference and where. Immutable; {@link #toJson()} is what verify prints and the registry keeps.
 *
 * @param left the relation under test (a version table)
 * @param right the relation it is compared with (the materialized view it replaces, the live version)
 */
public record ComparisonReport(
    String left,
    String right,
    List<String> key,
    long leftRows,
    long rightRows,
    List<String> missingColumns,
    List<String> extraColumns,
    List<String> incompatibleColumns,
    KeyDifference missingKeys,
    KeyDifference extraKeys,
    KeyDifference duplicateLeft,
    KeyDifference duplicateRight,
    long matchedRows,
    long changedRows,
    List<ColumnResult> columns,
    double seconds) {

  public ComparisonReport {
    key = List.copyOf(key);
    missingColumns = List.copyOf(missingColumns);
    extraColumns = List.copyOf(extraColumns);
    incompatibleColumns = List.copyOf(incompatibleColumns);
    columns = List.copyOf(columns);
  }

  /** A set of keys, counted, with up to {@link RelationComparison#EXAMPLES} examples. */
  public record KeyDifference(long count, List<String> examples) {
    public KeyDifference {
      examples = List.copyOf(examples);
    }

    public static KeyDifference none() {
      return new KeyDifference(0, List.of());
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("count", count);
      m.put("examples", examples);
      return m;
    }
  }

  /** One row's difference in one column. */
  public record Example(String key, String left, String right, Double difference) {}

  /**
   * A compared column.
   *
   * @param differing rows (among those whose key matched) where the values differ
   * @param worst the largest difference (relative for floats, absolute for integers, Hausdorff distance
   *     for geometries; null when the kind has no measure or nothing differs)
   * @param sumLeft the column's sum on the left side, for numeric columns (the diff's column-change gate)
   * @param changedArea for geometry columns, the area of the symmetric difference of the differing
   *     polygonal geometries, in the SRID's units
   */
  public record ColumnResult(String column, ColumnKind kind, double tolerance, long differing, Double worst,
      List<Example> examples, Double sumLeft, Double sumRight, Double changedArea) {
    public ColumnResult {
      examples = List.copyOf(examples);
    }

    /** Relative change of the column's sum, right → left, in percent; null when not numeric or zero before. */
    public Double sumChangePct() {
      if (sumLeft == null || sumRight == null) return null;
      if (sumRight == 0) return sumLeft == 0 ? 0.0 : null;
      return Math.abs(sumLeft - sumRight) * 100.0 / Math.abs(sumRight);
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("column", column);
      m.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
      if (kind == ColumnKind.FLOAT || kind == ColumnKind.GEOMETRY) m.put("tolerance", tolerance);
      m.put("differing", differing);
      m.put("worst", worst);
      m.put("worst_key", examples.isEmpty() ? null : examples.get(0).key());
      if (sumChangePct() != null) m.put("sum_change_pct", sumChangePct());
      if (changedArea != null) m.put("changed_area", changedArea);
      List<Map<String, Object>> ex = new ArrayList<>();
      for (Example e : examples) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("key", e.key());
        x.put("left", e.left());
        x.put("right", e.right());
        x.put("difference", e.difference());
        ex.add(x);
      }
      m.put("examples", ex);
      return m;
    }
  }

  /** Keys of either side: matched, only in {@code left} or only in {@code right}. */
  public long keys() {
    return matchedRows + extraKeys.count() + missingKeys.count();
  }

  /** Keys added, removed or with a row that differs, over {@link #keys()}, in percent (the max_changed_pct measure). */
  public double changedPct() {
    return keys() == 0 ? 0 : (extraKeys.count() + missingKeys.count() + changedRows) * 100.0 / keys();
  }

  /** True when nothing differs: same columns, same keys, no duplicates, every value within tolerance. */
  public boolean matches() {
    return missingColumns.isEmpty() && extraColumns.isEmpty() && incompatibleColumns.isEmpty()
        && missingKeys.count() == 0 && extraKeys.count() == 0 && duplicateLeft.count() == 0
        && duplicateRight.count() == 0 && columns.stream().allMatch(c -> c.differing() == 0);
  }

  /** The kinds of difference found, each with its first example, for a one-line message. */
  public List<String> differences() {
    List<String> out = new ArrayList<>();
    if (!missingColumns.isEmpty()) out.add("columns missing from " + left + ": " + missingColumns);
    if (!extraColumns.isEmpty()) out.add("columns not in " + right + ": " + extraColumns);
    if (!incompatibleColumns.isEmpty()) out.add("incompatible column types: " + incompatibleColumns);
    key("keys missing from " + left, missingKeys, out);
    key("keys not in " + right, extraKeys, out);
    key("duplicate keys in " + left, duplicateLeft, out);
    key("duplicate keys in " + right, duplicateRight, out);
    for (ColumnResult c : columns) {
      if (c.differing() > 0) {
        out.add(c.column() + ": " + c.differing() + " rows differ (worst " + c.worst() + " at "
            + (c.examples().isEmpty() ? "?" : c.examples().get(0).key()) + ")");
      }
    }
    return out;
  }

  private static void key(String what, KeyDifference d, List<String> out) {
    if (d.count() > 0) out.add(d.count() + " " + what + " (e.g. " + String.join("; ", d.examples()) + ")");
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("result", matches() ? "match" : "differ");
    m.put("left", left);
    m.put("right", right);
    m.put("key", key);
    m.put("left_rows", leftRows);
    m.put("right_rows", rightRows);
    m.put("matched_rows", matchedRows);
    m.put("changed_rows", changedRows);
    Map<String, Object> cols = new LinkedHashMap<>();
    cols.put("missing", missingColumns);
    cols.put("extra", extraColumns);
    cols.put("incompatible", incompatibleColumns);
    m.put("columns", cols);
    Map<String, Object> keys = new LinkedHashMap<>();
    keys.put("missing", missingKeys.toJson());
    keys.put("extra", extraKeys.toJson());
    keys.put("duplicate_left", duplicateLeft.toJson());
    keys.put("duplicate_right", duplicateRight.toJson());
    m.put("keys", keys);
    m.put("values", columns.stream().map(ColumnResult::toJson).toList());
    m.put("seconds", seconds);
    return m;
  }
}
