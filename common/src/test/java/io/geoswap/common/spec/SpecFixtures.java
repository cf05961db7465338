package io.geoswap.common.spec;

import io.geoswap.common.GeoswapException;
import java.util.Map;

/** A valid spec that exercises every key, and a loader over fake files, for the spec's tests. */
final class SpecFixtures {
  private SpecFixtures() {}

  /** A loader whose files are what {@code files} holds (by location); any other file is missing. */
  static SpecLoader loader(Map<String, String> files) {
    return new SpecLoader(location -> {
      String text = files.get(location);
      if (text == null) throw GeoswapException.usage("file not found: " + location);
      return text;
    });
  }

  /** Valid read from {@code p/zone_stats.yaml} with {@code p/zone_stats.sql} present. */
  static final String VALID = """
      name: zone_stats
      schedule: "0 3 * * *"
      target:
        schema: public
        view: vw_zone_stats
        key: [zone_id]
        geometry: {column: geom, srid: 4326}
        indexes:
          - {columns: [geom], method: gist}
        retain: 3
      sources:
        zones:  {table: public.zones}
        events: {table: events, partition_column: id, partitions: 8, where: "ts < '${logical_date}'"}
      transform: zone_stats.sql
      on_invalid_geometry: make_valid
      checks:
        min_rows: 1
        max_change_pct: 20
        expected_rows_sql: "SELECT count(*) FROM public.zones"
        not_null: [zone_id, geom]
        valid_geometry: true
        sql:
          - "SELECT count(*) > 0 FROM ${table}"
      spark:
        spark.sql.shuffle.partitions: 4
      """;
}
