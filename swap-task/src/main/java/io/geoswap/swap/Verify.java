package io.geoswap.swap;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Text;
import io.geoswap.common.cli.Cli;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.registry.VersionRecord;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.registry.Verifications;
import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.swap.compare.ComparisonReport;
import io.geoswap.swap.compare.RelationComparison;
import io.geoswap.swap.compare.RelationComparison.Relation;
import io.geoswap.swap.compare.Tolerances;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code verify --spec S --against SCHEMA.RELATION [--version V] …}: proves a port right before the cutover
 * by comparing a built version with the relation it replaces, by the spec's key, in one READ ONLY
 * transaction; records the outcome in the registry (adopt requires a match). Exit 0 match, 3 differ.
 */
@Command(name = "verify", description = "Compare a built version with the relation it replaces (an MV, table or view).")
final class Verify extends SwapTaskMain.Sub {
  /** Versions worth verifying, when --version isn't given: the newest of these. */
  private static final Set<VersionStatus> VERIFIABLE = Set.of(VersionStatus.BUILT, VersionStatus.VALIDATED, VersionStatus.LIVE);

  @Option(names = "--against", required = true, description = "SCHEMA.RELATION: the materialized view, table or view to compare with.")
  String against;

  @Option(names = "--version", description = "The version (default: the newest built or validated one).")
  String version;

  @Option(names = "--tolerance", description = "Per-column relative tolerances: COL=REL,… (overrides --float-tolerance).")
  String tolerance;

  @Option(names = "--float-tolerance", description = "Relative tolerance of float and numeric columns (default "
      + Tolerances.DEFAULT_FLOAT_RELATIVE + ").")
  Double floatTolerance;

  @Option(names = "--geometry-tolerance", description = "Hausdorff distance, in the SRID's units, within which"
      + " unequal geometries still match (default 0: ST_Equals).")
  Double geometryTolerance;

  @Option(names = "--report", description = "A folder or s3://bucket/prefix for the report:"
      + " verify-<name>-<version>.html (the page to review) and .json.")
  String report;

  @Override
  public Integer call() {
    PipelineSpec spec = common.loadSpec(main.env);
    Tolerances tol = Tolerances.parse(floatTolerance, tolerance, geometryTolerance);
    Relation right = Relation.parse(against, "--against");
    ReportOutput output = report == null ? null : new ReportOutput(report, common.db.aws(main.env));
    try (Connection c = Db.connect(db("geoswap-verify"))) {
      VersionRegistry registry = new VersionRegistry(c);
      registry.ensureSchema();
      VersionRecord rec = version != null
          ? registry.find(spec.name(), version).orElseThrow(() -> GeoswapException.usage(
              "version " + version + " of " + spec.name() + " is unknown to the registry"))
          : registry.list(spec.name()).stream().filter(v -> VERIFIABLE.contains(v.status())).findFirst()
              .orElseThrow(() -> GeoswapException.usage("no built or validated version of " + spec.name()
                  + " to verify: run the pipeline first (./geoswap run … --no-promote)"));
      Relation left = new Relation(rec.tableSchema(), rec.tableName());
      readable(c, left, "version " + rec.version() + "'s table");
      readable(c, right, "--against");
      ComparisonReport r = Db.readOnly(c, "verifying " + left + " against " + right, conn -> {
        try (Statement st = conn.createStatement()) {
          // One snapshot for every query of the comparison (PostgreSQL docs, "13.2.2. Repeatable Read").
          st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        }
        return new RelationComparison().compare(conn, left, right, spec.target().key(), tol);
      });
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("status", r.matches() ? "match" : "differ");
      json.put("pipeline", spec.name());
      json.put("version", rec.version());
      json.put("against", right.toString());
      json.putAll(r.toJson());
      String reportJson = Cli.toJson(json);
      new Verifications(c).record(spec.name(), rec.version(), right.toString(), r.matches(), reportJson);
      print(r);
      if (output != null) {
        String page = output.writeComparison(c, "verify-" + spec.name() + "-" + rec.version(),
            spec.name() + ": version " + rec.version() + " against " + right,
            r.matches() ? "passed: matches " + right : "failed: differs from " + right + " (" + r.differences().size()
                + " kinds of difference)", r, left, right,
            spec.target().geometry() == null ? null : spec.target().geometry().column(), tol.geometry(), reportJson);
        main.err.println("report: " + page);
        json.put("report", page);
      }
      int code = r.matches() ? ExitCode.OK.code() : ExitCode.DATA.code();
      if (code != ExitCode.OK.code()) {
        main.err.println("geoswap: error: " + Text.clip("version " + rec.version() + " of " + spec.name()
            + " differs from " + right + ": " + String.join("; ", r.differences()), 2000));
        json.put("exit_code", code);
        json.put("error", "differs from " + right);
      }
      Cli.printJson(main.out, json);
      return code;
    } catch (SQLException e) {
      throw DbErrors.translate("closing the connection", e);
    }
  }

  /** The relation exists and this role may read it, else a usage error naming it. */
  private static void readable(Connection c, Relation rel, String what) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL,"
        + " CASE WHEN to_regclass(?) IS NOT NULL THEN has_table_privilege(to_regclass(?), 'SELECT') END")) {
      for (int i = 1; i <= 3; i++) ps.setString(i, io.geoswap.common.Sql.qualified(rel.schema(), rel.name()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) throw GeoswapException.usage(what + ": relation " + rel + " does not exist");
        if (!rs.getBoolean(2)) throw GeoswapException.usage(what + ": relation " + rel + " is not readable by this role");
      }
    }
  }

  /** One line per compared column: its worst difference and where (stderr; stdout's last line is the JSON). */
  private void print(ComparisonReport r) {
    main.err.printf("verify %s against %s by %s: %d vs %d rows, %d matched by key%n", r.left(), r.right(), r.key(),
        r.leftRows(), r.rightRows(), r.matchedRows());
    for (String d : List.of("missing", "extra")) {
      List<String> cols = d.equals("missing") ? r.missingColumns() : r.extraColumns();
      if (!cols.isEmpty()) main.err.printf("  columns %-8s %s%n", d, cols);
    }
    if (!r.incompatibleColumns().isEmpty()) main.err.printf("  columns incompatible %s%n", r.incompatibleColumns());
    keys("keys missing", r.missingKeys());
    keys("keys extra", r.extraKeys());
    keys("duplicate keys (version)", r.duplicateLeft());
    keys("duplicate keys (" + r.right() + ")", r.duplicateRight());
    for (ComparisonReport.ColumnResult c : r.columns()) {
      main.err.printf("  %-24s %-8s %s%n", c.column(), c.kind().name().toLowerCase(java.util.Locale.ROOT),
          c.differing() == 0 ? "same"
              : c.differing() + " rows differ, worst " + c.worst() + " at " + c.examples().get(0).key());
    }
  }

  private void keys(String what, ComparisonReport.KeyDifference d) {
    if (d.count() > 0) main.err.printf("  %-24s %d (e.g. %s)%n", what, d.count(), String.join("; ", d.examples()));
  }
}
