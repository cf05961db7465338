package io.geoswap.port;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The functions the port knows, by PostgreSQL name (lower case, as pg_get_viewdef prints them): those
 * Spark or Sedona has with the same meaning (printed under Sedona's spelling), the aggregates, the
 * set-returning ones (refused in a select list), and those refused with a reason. A function in none of
 * these is refused as unknown: a user-defined function, or one nobody has checked against PostGIS yet.
 */
final class KnownFunctions {
  private KnownFunctions() {}

  /** Same name, same meaning in Spark/Sedona; value = the spelling written to the Sedona SQL. */
  private static final Map<String, String> SAME = new TreeMap<>();

  static {
    for (String f : new String[] {"ST_Contains", "ST_Intersects", "ST_Within", "ST_Covers", "ST_CoveredBy",
        "ST_Touches", "ST_Crosses", "ST_Overlaps", "ST_Equals", "ST_Disjoint", "ST_DWithin", "ST_Intersection",
        "ST_Difference", "ST_SymDifference", "ST_Area", "ST_Length", "ST_Perimeter", "ST_MakeValid", "ST_IsValid",
        "ST_Buffer", "ST_Centroid", "ST_PointOnSurface", "ST_Envelope", "ST_ConvexHull", "ST_X", "ST_Y", "ST_SRID",
        "ST_SetSRID", "ST_Transform", "ST_NPoints", "ST_NumGeometries", "ST_GeometryType", "ST_AsText", "ST_Distance",
        "ST_IsEmpty", "ST_Boundary", "ST_StartPoint", "ST_EndPoint", "ST_Point", "ST_MakePoint", "ST_GeomFromText",
        "ST_GeomFromWKT", "ST_AsBinary", "ST_AsGeoJSON", "ST_GeoHash", "ST_Union", "ST_Collect"}) {
      SAME.put(f.toLowerCase(Locale.ROOT), f);
    }
    for (String f : new String[] {"count", "sum", "avg", "min", "max", "coalesce", "nullif", "greatest", "least",
        "abs", "round", "floor", "ceil", "sqrt", "power", "ln", "exp", "lower", "upper", "length", "trim", "concat",
        "date_trunc", "bool_and", "bool_or", "string_agg"}) {
      SAME.put(f, f);
    }
  }

  /** Aggregates the rewrite recognises (ST_Union with one argument is the aggregate form). */
  static final Set<String> AGGREGATES = Set.of("count", "sum", "avg", "min", "max", "bool_and", "bool_or", "string_agg",
      "array_agg");

  /** Geometry aggregates that take one argument (their scalar forms take two or an array). */
  static final Set<String> GEOMETRY_AGGREGATES = Set.of("st_union", "st_collect");

  /** Overlay operations: JTS (Sedona) and GEOS (PostGIS) node segments differently (FIELD-NOTES). */
  static final Set<String> OVERLAYS = Set.of("st_intersection", "st_union", "st_difference", "st_symdifference",
      "st_makevalid", "st_buffer");

  /** Keep the SRID of their first argument (used to name a source CRS for ST_Transform). */
  static final Set<String> SRID_PRESERVING = Set.of("st_intersection", "st_union", "st_difference",
      "st_symdifference", "st_makevalid", "st_buffer", "st_centroid", "st_pointonsurface", "st_envelope",
      "st_convexhull", "st_boundary", "st_startpoint", "st_endpoint");

  /** Set-returning functions: rows, not values, so not a column of a select list. */
  static final Set<String> SET_RETURNING = Set.of("generate_series", "unnest", "st_dump", "st_dumppoints",
      "st_dumprings", "st_subdivide", "regexp_split_to_table", "regexp_matches", "json_array_elements",
      "jsonb_array_elements", "json_each", "jsonb_each", "json_object_keys", "jsonb_object_keys");

  /** Refused with a reason: no Sedona equivalent that gives PostGIS's result. */
  static final Map<String, String> REFUSED = Map.ofEntries(
      Map.entry("now", "the time of the refresh: a run's is ${logical_date} (write it in the spec's where or the SQL)"),
      Map.entry("current_timestamp", "the time of the refresh: a run's is ${logical_date}"),
      Map.entry("clock_timestamp", "the time of the refresh: a run's is ${logical_date}"),
      Map.entry("random", "a random value per refresh: no port gives PostgreSQL's numbers"),
      Map.entry("st_extent", "returns PostgreSQL's box2d, a type with no column in Sedona (ST_Envelope_Aggr gives a polygon:"
          + " change the view to ST_Envelope(ST_Collect(g)) if a polygon will do)"),
      Map.entry("st_makeline", "ST_MakeLine: the aggregate's point order is the rows' (or its ORDER BY): not"
          + " translated in this version"),
      Map.entry("st_clusterdbscan", "a window function over all rows; Sedona's ST_DBSCAN is a DataFrame operation with"
          + " other cluster numbering, so no SQL equivalent gives the same result"),
      Map.entry("st_clusterkmeans", "k-means with PostGIS's seeding: Sedona has no equivalent"),
      Map.entry("st_clusterwithin", "no Sedona equivalent aggregate"),
      Map.entry("st_clusterintersecting", "no Sedona equivalent aggregate"));


  /** Sedona's spelling of a known function, or null when the port doesn't know it. */
  static String sedonaName(String pgName) {
    return SAME.get(pgName.toLowerCase(Locale.ROOT));
  }

  static boolean isAggregate(net.sf.jsqlparser.expression.Function f) {
    String n = f.getName().toLowerCase(Locale.ROOT);
    return AGGREGATES.contains(n)
        || GEOMETRY_AGGREGATES.contains(n) && f.getParameters() != null && f.getParameters().size() == 1;
  }
}
