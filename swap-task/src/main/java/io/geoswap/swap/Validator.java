package io.geoswap.swap;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.db.Catalog;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.common.spec.Placeholders;
import io.geoswap.common.spec.RunParams;
import io.geoswap.common.ExitCode;
import io.geoswap.common.Text;
import io.geoswap.common.spec.SpecSql;
import io.geoswap.swap.compare.ComparisonReport;
import io.geoswap.swap.compare.RelationComparison;
import io.geoswap.swap.compare.RelationComparison.Relation;
import io.geoswap.swap.compare.Tolerances;
import io.geoswap.swap.compare.VersionDiff;
import java.sql.PreparedStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a spec's checks against a version table in one READ ONLY transaction and returns the report; it
 * changes nothing (the validate command records the report afterwards). A check whose own SQL fails is
 * reported as an error, and the other checks still run (each behind a savepoint).
 */
public final class Validator {
  private final Connection c;
  private final Duration checkTimeout;

  /** @param checkTimeout the bound on each check's statement (the spec's {@code checks.timeout}) */
  public Validator(Connection c, Duration checkTimeout) {
    this.c = c;
    this.checkTimeout = checkTimeout;
  }

  public ValidationReport validate(PipelineSpec spec, VersionRecord version, Optional<VersionRecord> live,
      Map<String, String> extraPlaceholders) {
    String schema = spec.target().schema();
    String table = Sql.qualified(schema, version.tableName());
    List<ValidationReport.Check> checks = new ArrayList<>();
    VersionDiff[] diff = {null};
    Db.readOnly(c, "validating " + spec.name() + " version " + version.version(), conn -> {
      Db.setLocalTimeout(c, "statement_timeout", checkTimeout);
        if (!Catalog.exists(c, schema, version.tableName())) {
          throw GeoswapException.usage("version " + version.version() + " of " + spec.name() + " has no table "
              + schema + "." + version.tableName() + " (status " + version.status() + ")");
        }
        long rows = longValue("SELECT count(*) FROM " + table);
        run(checks, "rows_match_written", () -> version.rowsWritten() == null
            ? check("rows_match_written", "skipped", rows, null, "the job recorded no row count")
            : check("rows_match_written", rows == version.rowsWritten() ? "passed" : "failed", rows,
                version.rowsWritten(), rows == version.rowsWritten() ? null : "the table holds a different number of rows than the job wrote (partial load?)"));
        PipelineSpec.Checks spec_ = spec.checks();
        if (spec_.minRows() != null) {
          run(checks, "min_rows", () -> check("min_rows", rows >= spec_.minRows() ? "passed" : "failed", rows,
              "≥ " + spec_.minRows(), null));
        }
        Map<String, String> values = new HashMap<>(extraPlaceholders);
        values.put("table", table);
        values.put("version", version.version());
        if (version.logicalDate() != null) values.put("logical_date", RunParams.render(version.logicalDate()));
        if (spec_.expectedRowsSql() != null) {
          run(checks, "expected_rows", () -> {
            Object v = specValue(Placeholders.substitute(spec_.expectedRowsSql(), values, "checks.expected_rows_sql"),
                "checks.expected_rows_sql");
            if (!(v instanceof Number n) || v instanceof Double || v instanceof Float) {
              return check("expected_rows", "error", v, null, "checks.expected_rows_sql must return one whole number,"
                  + " got " + describe(v));
            }
            long expected = n.longValue();
            return check("expected_rows", rows == expected ? "passed" : "failed", rows, expected, null);
          });
        }
        if (spec_.maxChangePct() != null) {
          run(checks, "max_change_pct", () -> {
            if (live.isEmpty() || live.get().version().equals(version.version())
                || !Catalog.exists(c, schema, live.get().tableName())) {
              return check("max_change_pct", "skipped", null, null, "no live version to compare with");
            }
            long liveRows = longValue("SELECT count(*) FROM " + Sql.qualified(schema, live.get().tableName()));
            double pct = liveRows == 0 ? (rows == 0 ? 0 : 100) : Math.abs(rows - liveRows) * 100.0 / liveRows;
            double rounded = Math.round(pct * 100) / 100.0;
            return check("max_change_pct", pct <= spec_.maxChangePct() ? "passed" : "failed", rounded,
                "≤ " + spec_.maxChangePct(), rows + " rows vs " + liveRows + " in live version " + live.get().version());
          });
        }
        diff[0] = diff(spec, version, live, checks);
        for (String col : spec_.notNull()) {
          run(checks, "not_null:" + col, () -> zero("not_null:" + col,
              "SELECT count(*) FROM " + table + " WHERE " + Sql.ident(col) + " IS NULL", "rows with NULL " + col));
        }
        List<String> key = spec.target().key();
        run(checks, "key_unique", () -> zero("key_unique", "SELECT count(*) FROM (SELECT 1 FROM " + table
            + " GROUP BY " + Sql.idents(key) + " HAVING count(*) > 1) AS d", "key values " + key + " that occur more than once"));
        // The declared geometry column is checked for its SRID; valid_geometry covers it, or, in a result
        // without a declared one, every geometry column the table has (none: nothing to check).
        List<String> geometries;
        if (spec.target().geometry() != null) {
          String g = Sql.ident(spec.target().geometry().column());
          int srid = spec.target().geometry().srid();
          run(checks, "geometry_srid", () -> zero("geometry_srid", "SELECT count(*) FROM " + table
              + " WHERE " + g + " IS NOT NULL AND ST_SRID(" + g + ") <> " + srid, "geometries whose SRID is not " + srid));
          geometries = List.of(spec.target().geometry().column());
        } else {
          geometries = Catalog.columns(c, schema, version.tableName()).stream()
              .filter(col -> col.typname().equals("geometry")).map(Catalog.Column::name).toList();
        }
        if (spec_.validGeometry() && !geometries.isEmpty()) {
          String invalid = geometries.stream().map(x -> "NOT ST_IsValid(" + Sql.ident(x) + ")")
              .collect(java.util.stream.Collectors.joining(" OR "));
          run(checks, "valid_geometry", () -> zero("valid_geometry", "SELECT count(*) FROM " + table
              + " WHERE " + invalid, "invalid geometries"));
        }
        List<String> sqls = spec_.sql();
        for (int i = 0; i < sqls.size(); i++) {
          String name = "sql[" + i + "]";
          String q = sqls.get(i);
          run(checks, name, () -> {
            Object v = specValue(Placeholders.substitute(q, values, "checks." + name), "checks." + name);
            if (v != null && !(v instanceof Boolean)) {
              return check(name, "error", null, true, "checks." + name + " must return one boolean, got "
                  + describe(v) + ": " + Text.clip(q, Text.MAX_QUOTED));
            }
            // NULL is not true: a check that can't say yes fails.
            return check(name, Boolean.TRUE.equals(v) ? "passed" : "failed", v, true, Text.clip(q, Text.MAX_QUOTED));
          });
        }
        run(checks, "view_compatible", () -> {
          String view = spec.target().view();
          if ("m".equals(Catalog.relkind(c, schema, view))) {
            // A materialized view geoswap is to take over: verify compares it, adopt replaces it.
            return check("view_compatible", "skipped", null, null, schema + "." + view
                + " is a materialized view: verify this version against it, then adopt it");
          }
          if (!"v".equals(Catalog.relkind(c, schema, view))) {
            return check("view_compatible", Catalog.exists(c, schema, view) ? "failed" : "skipped", null, null,
                Catalog.exists(c, schema, view) ? schema + "." + view + " exists and is not a view" : "no view yet");
          }
          List<String> drift = Catalog.driftProblems(Catalog.columns(c, schema, view),
              Catalog.columns(c, schema, version.tableName()));
          return check("view_compatible", drift.isEmpty() ? "passed" : "failed", null, null,
              drift.isEmpty() ? null : String.join("; ", drift));
        });
      return null;
    });
    return new ValidationReport(spec.name(), version.version(), schema + "." + version.tableName(), checks, diff[0]);
  }

  /**
   * The new version against the live one by key (unless {@code checks.diff: false}, or there is no other
   * live version), and the gates on it: {@code max_changed_pct}, {@code max_column_change_pct}.
   */
  private VersionDiff diff(PipelineSpec spec, VersionRecord version, Optional<VersionRecord> live,
      List<ValidationReport.Check> checks) throws SQLException {
    PipelineSpec.Checks gates = spec.checks();
    String schema = spec.target().schema();
    boolean comparable = gates.diff() && live.isPresent() && !live.get().version().equals(version.version())
        && Catalog.exists(c, schema, live.get().tableName());
    VersionDiff[] diff = {null};
    if (comparable) {
      // Behind run()'s savepoint, as a check: a diff that fails or times out is reported as one.
      run(checks, "diff", () -> {
        diff[0] = new VersionDiff(live.get().version(), new RelationComparison().compare(c,
            new Relation(schema, version.tableName()), new Relation(schema, live.get().tableName()),
            spec.target().key(), new Tolerances(gates.diffFloatTolerance(), java.util.Map.of(), gates.diffGeometryTolerance())));
        return null;
      });
    }
    VersionDiff d = diff[0];
    String none = !gates.diff() ? "checks.diff is false" : comparable ? "the diff failed" : "no live version to compare with";
    if (gates.maxChangedPct() != null) {
      run(checks, "max_changed_pct", () -> d == null
          ? check("max_changed_pct", "skipped", null, null, none)
          : check("max_changed_pct", d.changedPct() <= gates.maxChangedPct() ? "passed" : "failed",
              Math.round(d.changedPct() * 100) / 100.0, "≤ " + gates.maxChangedPct(), d.summary()));
    }
    gates.maxColumnChangePct().forEach((col, max) -> {
      String name = "max_column_change_pct:" + col;
      if (d == null) {
        checks.add(check(name, "skipped", null, null, none));
        return;
      }
      ComparisonReport.ColumnResult r = d.column(col).filter(x -> x.sumLeft() != null).orElse(null);
      if (r == null) {
        checks.add(check(name, "error", null, null, "checks.max_column_change_pct." + col + ": " + col
            + " is not a numeric non-key column of both versions"));
        return;
      }
      Double pct = r.sumChangePct();
      String detail = "sum " + r.sumRight() + " → " + r.sumLeft();
      if (pct == null) {
        checks.add(check(name, "failed", null, "≤ " + max, detail + " (the live sum is 0)"));
      } else {
        checks.add(check(name, pct <= max ? "passed" : "failed", Math.round(pct * 1e4) / 1e4, "≤ " + max, detail));
      }
    });
    return d;
  }

  /**
   * A statement that ran into checks.timeout. 57014 (query_canceled) is also a cancel by hand or a shutdown's:
   * told apart by the time taken (the message is the server's lc_messages language).
   */
  private boolean timedOut(SQLException e, long startNanos) {
    return "57014".equals(e.getSQLState()) && System.nanoTime() - startNanos >= checkTimeout.toNanos();
  }

  private ValidationReport.Check timeout(String name) {
    return check(name, "timeout", null, null, "ran longer than checks.timeout (" + checkTimeout.toString()
        .substring(2).toLowerCase(java.util.Locale.ROOT) + "): raise checks.timeout in the spec, or make the check cheaper");
  }

  private interface CheckBody {
    ValidationReport.Check run() throws SQLException;
  }

  /**
   * Runs one check behind a savepoint; its SQL error becomes an error entry, unless it is temporary. A body
   * that returns null adds no entry (the diff: its gates are the entries).
   */
  private void run(List<ValidationReport.Check> checks, String name, CheckBody body) throws SQLException {
    Savepoint sp = c.setSavepoint();
    long start = System.nanoTime();
    try {
      ValidationReport.Check done = body.run();
      if (done != null) checks.add(done);
      c.releaseSavepoint(sp);
    } catch (SpecCheckError e) {
      c.rollback(sp);
      checks.add(check(name, "error", null, null, e.getMessage()));
    } catch (GeoswapException e) {
      if (e.exitCode() != ExitCode.USAGE.code()) throw e;
      c.rollback(sp);
      checks.add(check(name, "error", null, null, e.getMessage()));
    } catch (SQLException e) {
      if (timedOut(e, start)) {
        // Not retried (exit 3): the same check on the same data runs as long again (README "Exit codes").
        c.rollback(sp);
        checks.add(timeout(name));
        return;
      }
      if (DbErrors.exitCode(e) == ExitCode.TEMPORARY.code()) throw e;
      c.rollback(sp);
      checks.add(check(name, "error", null, null, Text.clip(e.getMessage(), 500)));
    }
  }

  private ValidationReport.Check zero(String name, String sql, String what) throws SQLException {
    long n = longValue(sql);
    return check(name, n == 0 ? "passed" : "failed", n, 0, n == 0 ? null : n + " " + what);
  }

  private static ValidationReport.Check check(String name, String status, Object observed, Object expected, String detail) {
    return new ValidationReport.Check(name, status, observed, expected, detail);
  }

  private long longValue(String sql) throws SQLException {
    Object v = value(sql);
    if (!(v instanceof Number n)) throw new SQLException("expected a number from: " + sql, "22023");
    return n.longValue();
  }

  /**
   * The one value a spec's check query returns: exactly one statement (SpecSql), exactly one row of one
   * column, else an "error" entry naming {@code key} (a spec error: exit 2).
   */
  private Object specValue(String sql, String key) throws SQLException {
    try (PreparedStatement ps = SpecSql.prepare(c, sql, key); ResultSet rs = ps.executeQuery()) {
      int columns = rs.getMetaData().getColumnCount();
      if (columns != 1) throw new SpecCheckError(key + " must return one column, got " + columns);
      if (!rs.next()) throw new SpecCheckError(key + " must return exactly one row, got none");
      Object v = rs.getObject(1);
      if (rs.next()) throw new SpecCheckError(key + " must return exactly one row, got more");
      return v;
    }
  }

  /** A check query of the wrong shape: reported as that check's error (exit 2), the others still run. */
  private static final class SpecCheckError extends RuntimeException {
    SpecCheckError(String message) {
      super(message, null, false, false);
    }
  }

  private static String describe(Object v) {
    return v == null ? "NULL" : v.getClass().getSimpleName() + " " + Text.clip(String.valueOf(v), 40);
  }

  private Object value(String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      if (!rs.next()) return null;
      return rs.getObject(1);
    }
  }
}
