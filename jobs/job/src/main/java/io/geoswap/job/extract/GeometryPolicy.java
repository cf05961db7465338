package io.geoswap.job.extract;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a spec's {@code on_invalid_geometry} does with a source's NULL and invalid geometries: row by row
 * while the transform's scan reads them ({@link GeometryScan}), then over the whole source once it has
 * ({@link SourceReader.Read#check()}). Pure rules, no Spark and no database:
 * <ul>
 *   <li>a row with a NULL geometry is left out, whatever the policy; under {@code fail} and
 *       {@code make_valid} the build then fails (NULL can't be repaired);
 *   <li>a row with an invalid geometry is repaired under {@code make_valid} (ST_MakeValid's algorithm),
 *       left out otherwise; under {@code fail} the build then fails, naming the first offending rows;
 *   <li>whatever the policy, a column's geometries share one SRID.
 * </ul>
 */
final class GeometryPolicy implements Serializable {
  /** What becomes of a row for one of its geometries. */
  enum RowFate {
    KEEP,
    /** The geometry is replaced by its repair and the row kept. */
    REPAIR,
    /** The row never reaches the transform. */
    LEAVE_OUT
  }

  private final InvalidGeometryPolicy policy;

  GeometryPolicy(InvalidGeometryPolicy policy) {
    this.policy = policy;
  }

  /** Per row: the fate of a row whose geometry is NULL. */
  RowFate ofNull() {
    return RowFate.LEAVE_OUT;
  }

  /** Per row: the fate of a row whose geometry is invalid. */
  RowFate ofInvalid() {
    return policy == InvalidGeometryPolicy.MAKE_VALID ? RowFate.REPAIR : RowFate.LEAVE_OUT;
  }

  /**
   * Over the source, after its scan: throws the data error its figures are, column by column (SRIDs first),
   * or returns when the source may be loaded.
   *
   * @param label names the source in messages
   * @param samples the figures again with the offending rows' keys: asked for only when an error names them
   */
  void check(String label, ScanFigures s, Supplier<ScanFigures> samples) {
    for (int g = 0; g < s.geometries.size(); g++) {
      String name = s.geometries.get(g);
      if (s.minSrid[g] != null && !s.minSrid[g].equals(s.maxSrid[g])) {
        throw GeoswapException.data(label + ": column " + name + " mixes SRIDs (" + s.minSrid[g] + " … "
            + s.maxSrid[g] + "); transform them to one SRID in the source");
      }
      if (s.nulls[g] == 0 && s.invalid[g] == 0) continue;
      switch (policy) {
        case FAIL -> {
          ScanFigures k = samples.get();
          List<String> named = new ArrayList<>(k.invalidSamples.get(g));
          named.addAll(k.nullSamples.get(g));
          throw GeoswapException.data(label + ": " + describe(s.nulls[g], s.invalid[g]) + " in column " + name
              + " (first: " + String.join(", ", named.subList(0, Math.min(named.size(), ScanFigures.SAMPLE_KEYS)))
              + "); set on_invalid_geometry: make_valid or drop to proceed");
        }
        case MAKE_VALID -> {
          if (s.nulls[g] > 0) {
            throw GeoswapException.data(label + ": " + s.nulls[g] + " NULL geometries in column " + name
                + " (first: " + String.join(", ", samples.get().nullSamples.get(g))
                + "); NULL can't be repaired: use on_invalid_geometry: drop");
          }
        }
        case DROP -> { }
      }
    }
  }

  private static String describe(long nulls, long invalid) {
    List<String> parts = new ArrayList<>();
    if (invalid > 0) parts.add(invalid + " invalid geometr" + (invalid == 1 ? "y" : "ies"));
    if (nulls > 0) parts.add(nulls + " NULL geometr" + (nulls == 1 ? "y" : "ies"));
    return String.join(" and ", parts);
  }
}
