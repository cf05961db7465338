package io.geoswap.port;

import io.geoswap.port.MatviewCatalog.Column;
import io.geoswap.port.MatviewCatalog.Matview;
import io.geoswap.port.MatviewCatalog.Table;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The catalog of the example materialized views as PostgreSQL 15 + PostGIS 3 printed it on this machine
 * (test resources viewdefs/*.sql are pg_get_viewdef(…, true) verbatim): what MatviewCatalog reads, without
 * a database.
 */
final class Examples {
  private Examples() {}

  static Column col(String name, String typname) {
    return new Column(name, typname, typname, null, 0);
  }

  static Column geom(String name, String type, int srid) {
    return new Column(name, "geometry(" + type + "," + srid + ")", "geometry", type, srid);
  }

  static String viewdef(String name) {
    try (InputStream in = Examples.class.getResourceAsStream("/viewdefs/" + name + ".sql")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static final Table ZONES = new Table("public", "zones", "r",
      List.of(col("zone_id", "int4"), col("name", "text"), geom("geom", "Polygon", 4326)), List.of("zone_id"), 1_000_000);
  static final Table EVENTS = new Table("public", "events", "r", List.of(col("id", "int8"), col("category", "text"),
      col("value", "float8"), col("ts", "timestamptz"), geom("geom", "Point", 4326)), List.of("id"), 30_000_000);
  static final Table REGIONS = new Table("public", "regions", "r",
      List.of(col("region_id", "int4"), col("name", "text"), geom("geom", "Polygon", 4326)), List.of("region_id"), 100_000);
  static final Table LAND_USE = new Table("public", "land_use", "r", List.of(col("id", "int8"), col("season", "text"),
      col("land_type", "text"), geom("geom", "Polygon", 4326)), List.of("id"), 20_000_000);
  static final Table DISTRICTS = new Table("public", "districts", "r",
      List.of(col("district_id", "int4"), col("name", "text"), geom("geom", "Polygon", 3035)), List.of("district_id"), 100_000);
  static final Table ROADS = new Table("public", "roads", "r", List.of(col("id", "int8"), col("class", "text"),
      col("lanes", "int4"), geom("geom", "LineString", 3035)), List.of("id"), 5_000_000);

  static Matview zoneStats() {
    return new Matview("public", "mv_zone_stats", viewdef("zone_stats"), List.of(col("zone_id", "int4"), col("name", "text"),
        col("events", "int8"), col("total_value", "float8"), col("avg_value", "float8"), col("categories", "int8"),
        geom("geom", "Polygon", 4326)), List.of(new MatviewCatalog.Index("mv_zone_stats_key", List.of("zone_id"), "btree", true)),
        List.of(EVENTS, ZONES));
  }

  static Matview landUseArea() {
    return new Matview("public", "mv_land_use_area", viewdef("land_use_area"), List.of(col("region_id", "int4"),
        col("season", "text"), col("land_type", "text"), col("area_m2", "float8"), geom("geom", "Polygon", 4326)),
        List.of(new MatviewCatalog.Index("mv_land_use_area_key", List.of("region_id", "season", "land_type"), "btree", true)),
        List.of(LAND_USE, REGIONS));
  }

  static Matview roadLength() {
    return new Matview("public", "mv_road_length", viewdef("road_length"), List.of(col("district_id", "int4"),
        col("name", "text"), col("roads", "int8"), col("length_m", "float8"), col("classes", "int8"), col("lanes", "int8")),
        List.of(new MatviewCatalog.Index("mv_road_length_key", List.of("district_id"), "btree", true)),
        List.of(DISTRICTS, ROADS));
  }

  static final Table WARDS = new Table("public", "wards", "r",
      List.of(col("ward_id", "int4"), col("name", "text"), geom("geom", "Polygon", 4326)), List.of("ward_id"), 200_000);
  static final Table HUBS = new Table("public", "hubs", "r",
      List.of(col("id", "int4"), col("name", "text"), geom("geom", "Point", 4326)), List.of("id"), 20_000);
  static final Table ROUTES = new Table("public", "routes", "r", List.of(col("id", "int8"), col("hub_id", "int4"),
      col("name", "text"), col("kind", "text"), col("opened", "date"), geom("geom", "LineString", 4326)), List.of("id"), 50_000);
  static final Table STOPS = new Table("public", "stops", "r", List.of(col("id", "int8"), col("kind", "text"),
      col("capacity", "int4"), col("opened", "date"), geom("geom", "Point", 4326)), List.of("id"), 900_000);
  static final Table INSPECTIONS = new Table("public", "inspections", "r", List.of(col("id", "int8"),
      col("stop_id", "int8"), col("inspected_at", "timestamptz"), col("score", "int4")), List.of("id"), 1_000_000);

  static Matview transitAccess() {
    return new Matview("public", "mv_transit_access", viewdef("transit_access"), List.of(col("ward_id", "int4"),
        col("name", "text"), col("area_m2", "float8"), col("stops", "int8"), col("kinds", "int8"), col("capacity", "numeric"),
        col("avg_score", "numeric"), col("nearest_hub_m", "float8"), col("longest_routes_m", "float8"), col("trams", "numeric"),
        col("conditions", "int8"), col("newest_stop_month", "date"), col("first_inspected_year", "numeric"),
        col("last_hub_route", "text"), col("first_route_names", "text"), col("covered_m2", "float8"), col("hull_m2", "float8"),
        geom("geom", "Polygon", 4326)),
        List.of(new MatviewCatalog.Index("mv_transit_access_key", List.of("ward_id"), "btree", true)),
        List.of(WARDS, HUBS, INSPECTIONS, ROUTES, STOPS));
  }

  /** A view whose definition is {@code sql}, over the zone_stats tables. */
  static Matview over(String sql) {
    return new Matview("public", "mv_x", sql, List.of(col("zone_id", "int4")), List.of(), List.of(EVENTS, ZONES, REGIONS));
  }
}
