package io.geoswap.swap.compare;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How close two values must be to count as equal.
 *
 * @param floatRelative relative tolerance for floating-point and numeric columns (|a − b| ≤ t × max(|a|, |b|))
 * @param perColumn relative tolerances of single columns, overriding {@code floatRelative}
 * @param geometry the Hausdorff distance, in the SRID's units, within which two unequal geometries still match
 */
public record Tolerances(double floatRelative, Map<String, Double> perColumn, double geometry) {
  /** Float sums differ in their last bits by the order of addition; 1e-9 is far above that, far below a real change. */
  public static final double DEFAULT_FLOAT_RELATIVE = 1e-9;
  /** Geometries must be equal (ST_Equals) unless a tolerance is given. */
  public static final double DEFAULT_GEOMETRY = 0;

  public Tolerances {
    perColumn = Map.copyOf(perColumn);
  }

  public static Tolerances defaults() {
    return new Tolerances(DEFAULT_FLOAT_RELATIVE, Map.of(), DEFAULT_GEOMETRY);
  }

  public double forColumn(String column) {
    return perColumn.getOrDefault(column, floatRelative);
  }

  /**
   * From the command line: {@code --float-tolerance REL}, {@code --tolerance COL=REL,…},
   * {@code --geometry-tolerance X}; every problem reported at once.
   */
  public static Tolerances parse(Double floatRelative, String perColumn, Double geometry) {
    List<String> problems = new ArrayList<>();
    double f = floatRelative == null ? DEFAULT_FLOAT_RELATIVE : floatRelative;
    if (!(f >= 0) || Double.isInfinite(f)) problems.add("--float-tolerance: " + f + " is not a number ≥ 0");
    double g = geometry == null ? DEFAULT_GEOMETRY : geometry;
    if (!(g >= 0) || Double.isInfinite(g)) problems.add("--geometry-tolerance: " + g + " is not a number ≥ 0");
    Map<String, Double> cols = new LinkedHashMap<>();
    if (perColumn != null && !perColumn.isBlank()) {
      for (String item : perColumn.split(",")) {
        int eq = item.indexOf('=');
        String col = eq < 0 ? item.trim() : item.substring(0, eq).trim();
        String problem = Sql.identifierProblem(col);
        if (eq < 0 || problem != null) {
          problems.add("--tolerance: '" + item.trim() + "' is not COLUMN=RELATIVE" + (problem == null ? "" : " (" + problem + ")"));
          continue;
        }
        try {
          double v = Double.parseDouble(item.substring(eq + 1).trim());
          if (!(v >= 0) || Double.isInfinite(v)) throw new NumberFormatException();
          cols.put(col, v);
        } catch (NumberFormatException e) {
          problems.add("--tolerance: '" + item.trim() + "': the tolerance is not a number ≥ 0");
        }
      }
    }
    if (!problems.isEmpty()) throw GeoswapException.usage(String.join("; ", problems));
    return new Tolerances(f, cols, g);
  }
}
