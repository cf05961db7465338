package io.geoswap.job.extract;

import io.geoswap.common.Sql;
import java.util.Set;

/**
 * A column of a source table and how the extract selects it: as Spark's JDBC source reads it, and as
 * binary COPY sends it.
 *
 * @param type the type's name in pg_type ({@code int8}, {@code geometry}), which binary formats are keyed by
 */
record SourceColumn(String name, String type) {
  /** Types Spark's PostgreSQL dialect reads as they are; anything else is read as text. */
  private static final Set<String> NATIVE_TYPES = Set.of("int2", "int4", "int8", "float4", "float8", "numeric",
      "text", "varchar", "bpchar", "bool", "date", "timestamp", "timestamptz", "bytea", "uuid", "json", "jsonb");
  private static final Set<String> PARTITIONABLE = Set.of("int2", "int4", "int8", "numeric", "float4", "float8",
      "date", "timestamp", "timestamptz");

  boolean isGeometry() {
    return type.equals("geometry") || type.equals("geography");
  }

  /** Whether Spark's JDBC source can split a read on it (numbers, dates, timestamps). */
  boolean partitionable() {
    return PARTITIONABLE.contains(type);
  }

  /** For Spark's JDBC source: geometries as binary EWKB, other types it has no reader for as text. */
  String selectExpression() {
    String q = Sql.ident(name);
    return switch (type) {
      // Binary EWKB: half the bytes of hex text, and the SRID survives (ST_AsBinary would drop it).
      case "geometry" -> "ST_AsEWKB(" + q + ") AS " + q;
      case "geography" -> "ST_AsEWKB(" + q + "::geometry) AS " + q;
      default -> NATIVE_TYPES.contains(type) ? q : q + "::text AS " + q;
    };
  }

  /**
   * For binary COPY: geometries as they are, since PostGIS sends a geometry in binary as EWKB with its
   * SRID (its geometry_send), so no ST_AsEWKB per row; geography as its geometry.
   */
  String copyExpression() {
    if (!isGeometry()) return selectExpression();
    String q = Sql.ident(name);
    return type.equals("geography") ? q + "::geometry AS " + q : q;
  }

  /** The PostgreSQL type {@link #copyExpression} sends: binary COPY's format of that type. */
  String sentType() {
    return isGeometry() ? "geometry" : NATIVE_TYPES.contains(type) ? type : "text";
  }
}
