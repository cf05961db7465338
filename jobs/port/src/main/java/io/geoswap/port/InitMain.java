package io.geoswap.port;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.cli.Cli;
import io.geoswap.common.cli.DbOptions;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.spec.SpecFiles;
import io.geoswap.common.spec.SpecLoader;
import io.geoswap.job.SparkSessions;
import io.geoswap.port.MatviewCatalog.Matview;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code geoswap init --from-matview SCHEMA.MV [--out DIR] [--name NAME] [--force]}: reads the view from
 * the database, ports its query to Sedona SQL, plans the port in Sedona, and writes {@code DIR/NAME.yaml},
 * {@code DIR/NAME.sql} and {@code DIR/NAME.port.md}. Exit 0 ported; 3 when the view is missing, not a
 * materialized view, has no unique index, uses something the port refuses or the port doesn't plan (the
 * report is written, the SQL and spec are not); 2 for usage, e.g. an output file that exists without
 * {@code --force}.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Write a pipeline spec, a Sedona SQL port and a portability report for a materialized view.")
public final class InitMain implements Callable<Integer> {
  private static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]{0,39}$");

  @Option(names = "--from-matview", required = true, paramLabel = "SCHEMA.MV", description = "the materialized view to port")
  String matview;

  @Option(names = "--out", paramLabel = "DIR", description = "folder for NAME.yaml, NAME.sql, NAME.port.md (default: .)")
  Path out = Path.of(".");

  @Option(names = "--name", description = "the pipeline's name (default: the view's, without a leading mv_)")
  String name;

  @Option(names = "--force", description = "overwrite existing output files")
  boolean force;

  @Mixin DbOptions dbOptions = new DbOptions();

  private final Map<String, String> env;
  private final PrintStream stdout;
  private final PrintStream stderr;

  public InitMain() {
    this(System.getenv(), System.out, System.err);
  }

  /** For tests: another environment (PG* settings) and streams. */
  public InitMain(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.stdout = out;
    this.stderr = err;
  }

  @Override
  public Integer call() throws IOException, SQLException {
    String[] parts = matview.split("\\.", -1);
    if (parts.length != 2 || Sql.identifierProblem(parts[0]) != null || Sql.identifierProblem(parts[1]) != null) {
      throw GeoswapException.usage("--from-matview: '" + io.geoswap.common.Text.clip(matview, 80) + "' is not SCHEMA.MV"
          + " (lower-case identifiers)");
    }
    String pipeline = name != null ? name : parts[1].startsWith("mv_") ? parts[1].substring(3) : parts[1];
    if (!NAME.matcher(pipeline).matches()) {
      throw GeoswapException.usage("--name: '" + io.geoswap.common.Text.clip(pipeline, 80) + "' is not a pipeline name"
          + " (^[a-z][a-z0-9_]{0,39}$)" + (name == null ? "; give one with --name" : ""));
    }
    Path yaml = out.resolve(pipeline + ".yaml");
    Path sql = out.resolve(pipeline + ".sql");
    Path report = out.resolve(pipeline + ".port.md");
    for (Path p : List.of(yaml, sql, report)) {
      if (Files.exists(p) && !force) throw GeoswapException.usage(p + " exists: --force to overwrite it");
    }

    DbSettings db = dbOptions.resolve(env, "geoswap-init");
    Matview mv;
    try (Connection c = Db.connect(db)) {
      c.setReadOnly(true);
      mv = MatviewCatalog.read(c, parts[0], parts[1]);
    }
    String view = mv.schema() + "." + mv.name();
    SpecWriter.Plan plan = SpecWriter.plan(mv, pipeline);
    SqlPort.Result port = SqlPort.port(mv);
    Files.createDirectories(out);
    if (port.isRefused() || plan.key() == null) {
      String why = port.isRefused()
          ? port.refused().size() + " construct(s) not translated, first at line " + port.refused().get(0).line() + ": "
              + port.refused().get(0).before() + " (" + port.refused().get(0).why() + ")"
          : view + " has no unique index: choose the key (the report says how)";
      refuse(mv, pipeline, plan, port, report, yaml, sql, why);
    }

    SparkSession spark = SparkSessions.getOrCreate("geoswap-init-" + pipeline, Map.of());
    SedonaPlanCheck.Planned planned;
    try {
      planned = SedonaPlanCheck.check(spark, port, mv.columns(), sql.toString());
    } catch (GeoswapException e) {
      refuse(mv, pipeline, plan, port, report, yaml, sql, e.getMessage());
      throw e; // not reached
    }

    try {
      port = measureTransforms(db, mv, port);
    } catch (IllegalStateException e) {
      refuse(mv, pipeline, plan, port, report, yaml, sql, e.getMessage());
    }

    Files.writeString(sql, "-- Sedona SQL: " + view + " ported by `geoswap init`; each translation is in " + pipeline
        + ".port.md.\n" + port.sql() + "\n", StandardCharsets.UTF_8);
    Files.writeString(yaml, SpecWriter.yaml(mv, plan, port), StandardCharsets.UTF_8);
    Files.writeString(report, PortReport.markdown(mv, pipeline, plan, port, new PortReport.Outcome("Ported",
        "`" + pipeline + ".sql` and `" + pipeline + ".yaml` written; " + port.translated().size() + " translations, "
            + port.mayDiffer().size() + " that may differ numerically.", planned.columns(), planned.typeChanges())),
        StandardCharsets.UTF_8);
    // The spec must load as the job and swap-task load it: a failure here is init's bug, not the user's.
    new SpecLoader(SpecFiles.LOCAL).load(yaml.toString());

    stderr.println("ported " + view + " → " + yaml + ", " + sql + " (" + port.translated().size() + " translations, "
        + port.mayDiffer().size() + " may differ numerically; see " + report + ")");
    stderr.println("next: ./geoswap run --spec " + yaml + " --version p1 --no-promote; then "
        + PortReport.verifyCommand(out.resolve(pipeline).toString(), view, port));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("status", "ported");
    json.put("matview", view);
    json.put("spec", yaml.toString());
    json.put("sql", sql.toString());
    json.put("report", report.toString());
    json.put("translated", port.translated().size());
    json.put("may_differ", port.mayDiffer().size());
    json.put("float_tolerances", port.floatTolerances());
    json.put("geometry_tolerance", port.geometryTolerance());
    Cli.printJson(stdout, json);
    return 0;
  }

  /**
   * Each ST_Transform's GeoTools-vs-PROJ difference, sampled on the sources' points (CrsSample): its
   * may-differ line says how much, and the columns computed through it get the verify tolerance it calls for.
   */
  private static SqlPort.Result measureTransforms(DbSettings db, Matview mv, SqlPort.Result port) throws SQLException {
    if (port.transforms().isEmpty()) return port;
    List<SqlPort.Line> lines = new java.util.ArrayList<>(port.mayDiffer());
    Map<String, Double> floats = new LinkedHashMap<>(port.floatTolerances());
    Double geometry = port.geometryTolerance();
    try (Connection c = Db.connect(db)) {
      c.setReadOnly(true);
      for (SqlPort.Transform t : port.transforms()) {
        CrsSample.Measured m = CrsSample.measure(c, mv.tables(), t.from(), t.to());
        String crs = SqlPort.crs(t.from(), t.to());
        List<String> cols = new java.util.ArrayList<>();
        for (SqlPort.Transformed col : port.transformed()) {
          if (col.from() != t.from() || col.to() != t.to()) continue;
          if (col.power() == 0) {
            geometry = Math.max(geometry == null ? 0 : geometry, Math.max(1e-9, 10 * m.maxShift()));
            cols.add(col.column() + " (geometry, Hausdorff " + geometry + ")");
          } else {
            double tol = m.tolerance(col.power());
            if (tol > 0 && tol > floats.getOrDefault(col.column(), 0.0)) floats.put(col.column(), tol);
            if (tol > 0) cols.add(col.column() + " (" + (col.power() == 2 ? "an area" : "a length") + ", relative " + tol + ")");
          }
        }
        String why = m.points() == 0 ? "no points to sample (the sources' geometry columns in EPSG:" + t.from()
            + " are empty): not measured"
            : String.format(java.util.Locale.ROOT, "sampled %d points of %s: GeoTools (Sedona's ST_Transform) and PROJ"
                + " (PostGIS) put a point at most %.3g m apart; distances between points differ by up to %.2g"
                + " relative (an area by about twice that)%s", m.points(), String.join(", ", m.columns()), m.maxShift(),
                m.maxRelative(), cols.isEmpty() ? "" : "; verify tolerance for " + String.join(", ", cols));
        lines.replaceAll(l -> l.before().equals(crs) ? new SqlPort.Line(l.line(), crs, null, why) : l);
      }
    }
    return port.withMeasured(lines, floats, geometry);
  }

  /** Writes the report (no SQL, no spec; stale ones of this name removed under --force) and exits 3. */
  private void refuse(Matview mv, String pipeline, SpecWriter.Plan plan, SqlPort.Result port, Path report, Path yaml,
      Path sql, String why) throws IOException {
    Files.deleteIfExists(sql);
    Files.deleteIfExists(yaml);
    SqlPort.Result shown = port;
    if (!port.isRefused() && plan.key() != null) {
      // The port went through but doesn't plan: say so in the report's refusals.
      List<SqlPort.Line> refused = List.of(new SqlPort.Line(1, "the ported SQL", null, why));
      shown = port.withRefused(refused);
    }
    Files.writeString(report, PortReport.markdown(mv, pipeline, plan, shown, new PortReport.Outcome("Not ported",
        why, null, List.of())), StandardCharsets.UTF_8);
    throw GeoswapException.data("could not port " + mv.schema() + "." + mv.name() + ": " + why + "; report: " + report);
  }

  public static void main(String[] args) {
    io.geoswap.common.cli.SignalReport report = io.geoswap.common.cli.SignalReport.install();
    int code = Cli.execute(new InitMain(), args);
    report.finished(code);
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    System.exit(code);
  }
}
