package io.geoswap.swap.compare;

import java.util.Set;

/**
 * How two columns of the same name are compared, from their PostgreSQL types: exactly (integers, text,
 * booleans, dates, timestamps, anything else by equality), within a relative tolerance (floating point and
 * numeric), or as geometries (same SRID, and equal or within a Hausdorff distance).
 */
public enum ColumnKind {
  /** int2/int4/int8: exact; the difference is still worth reporting as a number. */
  INTEGER(true),
  /** float4/float8/numeric: |a − b| ≤ tolerance × max(|a|, |b|); sums differ in the last bits by order of addition. */
  FLOAT(true),
  /** geometry/geography (the latter compared as geometry). */
  GEOMETRY(false),
  /** text, boolean, date, timestamp, … : IS NOT DISTINCT FROM. */
  EXACT(false);

  private final boolean numeric;

  ColumnKind(boolean numeric) {
    this.numeric = numeric;
  }

  public boolean numeric() {
    return numeric;
  }

  private static final Set<String> INTEGERS = Set.of("int2", "int4", "int8");
  private static final Set<String> FLOATS = Set.of("float4", "float8", "numeric");
  private static final Set<String> GEOMETRIES = Set.of("geometry", "geography");
  private static final Set<String> TEXTS = Set.of("text", "varchar", "bpchar", "name");
  private static final Set<String> TIMESTAMPS = Set.of("timestamp", "timestamptz");

  /** The kind of a column of type {@code typname} (pg_type.typname). */
  public static ColumnKind of(String typname) {
    if (INTEGERS.contains(typname)) return INTEGER;
    if (FLOATS.contains(typname)) return FLOAT;
    if (GEOMETRIES.contains(typname)) return GEOMETRY;
    return EXACT;
  }

  /**
   * How a column typed {@code a} on one side and {@code b} on the other is compared, or null when the
   * types can't be compared (e.g. text vs integer, a geometry vs anything else).
   */
  public static ColumnKind common(String a, String b) {
    ColumnKind ka = of(a);
    ColumnKind kb = of(b);
    if (ka.numeric() && kb.numeric()) return ka == INTEGER && kb == INTEGER ? INTEGER : FLOAT;
    if (ka != kb) return null;
    if (ka == EXACT && !a.equals(b) && !(TEXTS.contains(a) && TEXTS.contains(b))
        && !(TIMESTAMPS.contains(a) && TIMESTAMPS.contains(b))) {
      return null;
    }
    return ka;
  }
}
