package io.geoswap.swap;

import io.geoswap.testkit.CliRun;
import io.geoswap.testkit.TestDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Versions made directly in SQL, as the extract-transform job leaves them (a table plus a registry row,
 * status built), so publishing can be tested without Spark. Every row of version V has {@code tag = V}: a
 * result mixing two versions would show two tags.
 */
final class Fixtures {
  private Fixtures() {}

  static final String COLUMNS = "zone_id integer, tag text, events bigint, total_value double precision,"
      + " geom geometry(Polygon,4326)";

  /** A spec for pipeline {@code name} (view {@code vw_<name>}) with {@code checksYaml} under checks. */
  static Path spec(Path dir, String name, int retain, String checksYaml) {
    try {
      Path sql = dir.resolve(name + ".sql");
      Files.writeString(sql, "SELECT 1");
      Path spec = dir.resolve(name + ".yaml");
      Files.writeString(spec, """
          name: %s
          target:
            schema: public
            view: vw_%s
            key: [zone_id]
            geometry: {column: geom, srid: 4326}
            retain: %d
          sources:
            zones: {table: public.zones}
          transform: %s.sql
          checks:
          %s
          """.formatted(name, name, retain, name, checksYaml.indent(2).stripTrailing()));
      return spec;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A built version with {@code rows} rows and that logical date (null: none). */
  static void version(TestDb db, String pipeline, String version, int rows, String logicalDate) {
    version(db, pipeline, version, rows, logicalDate, COLUMNS, null);
  }

  /**
   * A built version with the given column definitions; {@code select} fills it (null: the default rows for
   * {@link #COLUMNS}; empty: no rows).
   */
  static void version(TestDb db, String pipeline, String version, int rows, String logicalDate, String columns,
      String select) {
    String table = "public." + pipeline + "_v" + version;
    String fill = select != null ? select
        : "SELECT g, '" + version + "', g * 10, g * 1.5, ST_MakeEnvelope(g, 0, g + 1, 1, 4326) FROM generate_series(1, " + rows + ") g";
    db.exec("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table + " (" + columns + ");"
        + (fill.isEmpty() ? "" : " INSERT INTO " + table + " " + fill + ";")
        + " CREATE SCHEMA IF NOT EXISTS geoswap;");
    ensureRegistry(db);
    db.exec("INSERT INTO geoswap.versions (pipeline, version, table_schema, table_name, status, build_id, logical_date,"
        + " rows_written, started_at, finished_at) VALUES ('" + pipeline + "', '" + version + "', 'public', '"
        + pipeline + "_v" + version + "', 'built', gen_random_uuid(), "
        + (logicalDate == null ? "NULL" : "'" + logicalDate + "'") + ", (SELECT count(*) FROM " + table + "),"
        + " now(), now()) ON CONFLICT (pipeline, version) DO UPDATE SET status = 'built', rows_written = excluded.rows_written,"
        + " logical_date = excluded.logical_date, finished_at = now(), validation = NULL");
  }

  static void ensureRegistry(TestDb db) {
    try (var c = db.connect()) {
      new io.geoswap.common.registry.VersionRegistry(c).ensureSchema();
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Validates and promotes; asserts both succeed. */
  static void publish(TestDb db, Path spec, String version) {
    CliRun v = SwapRun.of(db.env, "validate", "--spec", spec.toString(), "--version", version);
    if (v.exitCode() != 0) throw new AssertionError("validate " + version + ": " + v);
    CliRun p = SwapRun.of(db.env, "promote", "--spec", spec.toString(), "--version", version);
    if (p.exitCode() != 0) throw new AssertionError("promote " + version + ": " + p);
  }
}
