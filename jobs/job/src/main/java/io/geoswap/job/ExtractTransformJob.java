package io.geoswap.job;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Text;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.registry.BuildLock;
import io.geoswap.common.registry.VersionRegistry;
import io.geoswap.common.registry.VersionStatus;
import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.common.spec.Placeholders;
import io.geoswap.common.spec.RunParams;
import io.geoswap.job.extract.SourceReader;
import io.geoswap.job.load.PgTypes;
import io.geoswap.job.load.TableLoader;
import io.geoswap.job.transform.TransformPlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extract-transform stage: read the sources, run the spec's Sedona SQL, load the result into the
 * version table {@code <schema>.<name>_v<version>} with its indexes, and register it as built. Any failure
 * drops the partial table and marks the version failed. This stage never touches the view.
 */
public final class ExtractTransformJob {
  private static final Logger LOG = LoggerFactory.getLogger(ExtractTransformJob.class);
  /** How long reclaiming an abandoned build waits for its table's lock before leaving it to gc. */
  private static final java.time.Duration RECLAIM_LOCK_TIMEOUT = java.time.Duration.ofSeconds(2);
  /** Spark conf key of the exactly-once test hook (see {@link PartitionWriter}). */
  public static final String FAIL_AFTER_COMMIT_CONF = "spark.geoswap.test.failAfterCommitPartition";

  private final SparkSession spark;
  private final DbSettings db;

  public ExtractTransformJob(SparkSession spark, DbSettings db) {
    this.spark = spark;
    this.db = db;
  }

  /** What a successful run produced (the JSON result). */
  public record Result(String pipeline, String version, String schema, String table, long rows,
      Map<String, Double> phaseSeconds, Map<String, Map<String, Object>> sources, String sparkAppId, UUID buildId,
      RunParams params) {
    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", VersionStatus.BUILT.value());
      m.put("pipeline", pipeline);
      m.put("version", version);
      m.put("table", schema + "." + table);
      m.put("rows", rows);
      // Which timestamp ${logical_date} was (a run without a logical date takes its run_after).
      m.put("logical_date", RunParams.render(params.logicalDate()));
      m.put("run_after", RunParams.render(params.runAfter()));
      m.put("date_source", params.dateSource());
      m.put("phase_seconds", phaseSeconds);
      m.put("sources", sources);
      m.put("spark_app_id", sparkAppId);
      return m;
    }
  }

  public Result run(PipelineSpec spec, RunParams params) {
    Phases phases = new Phases();
    // The registry's steps before the build (connect, schema check, build lock, reclaiming, the building row)
    // and after it (the built row) are a phase of their own, so the phases add up to the total.
    phases.start("registry");
    try (Connection conn = Db.connect(db.withApplicationName("geoswap-job"))) {
      VersionRegistry registry = new VersionRegistry(conn);
      registry.ensureSchema();
      registry.checkTarget(spec.name(), spec.target().schema(), spec.target().view());
      if (!new BuildLock(spec.name(), params.version()).tryLock(conn)) {
        throw GeoswapException.temporary("another build of " + spec.name() + " version " + params.version()
            + " is running; try again when it has finished", null);
      }
      // Builds of this pipeline whose process is gone (kill -9, a lost executor host) leave a partial table:
      // the next build reclaims them rather than waiting for gc.
      var reclaimed = registry.reclaimAbandonedBuilds(spec.name(), params.version(), RECLAIM_LOCK_TIMEOUT);
      if (!reclaimed.isEmpty()) LOG.warn("reclaimed abandoned builds of {}: {}", spec.name(), reclaimed);
      TableLoader loader = new TableLoader(conn, db, spec, params.version());
      List<String> readers = loader.dependentViews();
      if (!readers.isEmpty()) {
        throw GeoswapException.usage("table " + spec.target().schema() + "." + loader.table() + " is read by "
            + readers + ": that version is (or was) live and is never rebuilt in place; use a new version id");
      }
      UUID buildId = registry.beginBuild(spec.name(), params.version(), spec.target().schema(), loader.table(),
          params.logicalDate(), params.runId(), params.runAfter());
      List<Dataset<Row>> cached = new ArrayList<>();
      try {
        Result result = build(spec, params, conn, loader, registry, buildId, phases, cached);
        LOG.info("built {}.{}: {} rows in {} s", spec.target().schema(), loader.table(), result.rows(),
            phases.total());
        return result;
      } catch (Throwable e) {
        // Throwable: Spark rethrows a failed task as SparkException, a checked exception Scala doesn't
        // declare; whatever failed, the version ends failed and its partial table is gone.
        loader.dropQuietly(e);
        try {
          registry.deleteMarkers(buildId);
          registry.markFailed(spec.name(), params.version(), buildId, io.geoswap.common.cli.Cli.message(e),
              io.geoswap.common.cli.Cli.exitCode(e), io.geoswap.common.cli.Cli.toJson(phases.seconds()));
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        cached.forEach(Dataset::unpersist);
      }
    } catch (SQLException e) {
      throw io.geoswap.common.db.DbErrors.translate("closing the database connection", e);
    }
  }

  private Result build(PipelineSpec spec, RunParams params, Connection conn, TableLoader loader,
      VersionRegistry registry, UUID buildId, Phases phases, List<Dataset<Row>> cached) {
    Map<String, String> values = params.placeholders();

    // Sources are registered, not read: the transform's scans read them (only the columns it uses), and
    // their checks run on what those scans found, before anything is loaded. This phase is the catalog's
    // probes and the partitioning; the reading is timed inside the scans (extract, below).
    phases.start("plan");
    SourceReader reader = new SourceReader(spark, db, conn);
    List<SourceReader.Read> reads = new ArrayList<>();
    for (PipelineSpec.Source source : spec.sourceList()) {
      reads.add(runSpark("reading source " + source.name(), () -> reader.read(source, spec.onInvalidGeometry(), values)));
    }

    phases.start("transform");
    String sql = Placeholders.substitute(spec.transformSql(), values, "transform " + spec.transformLocation());
    Dataset<Row> planned = TransformPlan.plan(spark, sql, spec.transformLocation());
    checkResultSchema(spec, planned);
    Dataset<Row> result = planned.persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(result);
    Row counted = runSpark("running the transform " + spec.transformLocation(), () -> countAndSrids(spec, result));
    Map<String, Map<String, Object>> sourceFigures = new LinkedHashMap<>();
    Map<String, Long> sourceRows = new java.util.TreeMap<>(); // the registry's source_rows
    double scanTaskSeconds = 0;
    for (SourceReader.Read read : reads) {
      SourceReader.Figures f = runSpark("reading source " + read.source().name(), read::check);
      scanTaskSeconds += f.scanTaskSeconds();
      sourceFigures.put(read.source().name(), Map.<String, Object>of("rows", f.rows(), "dropped", f.dropped(),
          "repaired", f.repaired(), "extract", read.extract()));
      sourceRows.put(read.source().name(), f.rows());
      LOG.info("read {}: {} rows in {} partition(s) by {}{}{}", read.source().name(), f.rows(), read.partitions(),
          read.extract(), f.dropped() > 0 ? ", " + f.dropped() + " dropped" : "",
          f.repaired() > 0 ? ", " + f.repaired() + " repaired" : "");
    }
    Map<String, Integer> otherSrids = checkSrids(spec, result, counted);
    long rows = counted.getLong(0);

    phases.start("load");
    // The scans run inside the transform's stages: their tasks' time in the scan, spread over the task
    // slots they ran in, is the extract part of the transform phase's wall time (README, "phases").
    phases.split("transform", "extract", scanTaskSeconds / Math.max(1, spark.sparkContext().defaultParallelism()));
    LOG.info("transform: {} rows", rows);
    loader.create(PgTypes.columnDefinitions(result.schema(), spec.target().geometry(), otherSrids,
        spec.transformLocation()));
    int failAfter = Integer.parseInt(spark.conf().get(FAIL_AFTER_COMMIT_CONF, "-1"));
    runSpark("loading " + loader.table(), () -> loader.load(result, buildId, params.version(), failAfter));
    // Each partition's rows and its marker commit together, so the markers count what the table holds; the
    // table itself is counted once, independently, by validate's rows_match_written (a count(*) here too
    // cost a full scan of the new table: ~0.16 s of the load at 810k rows).
    long committed = registry.committedRows(buildId);
    if (committed != rows) {
      throw new IllegalStateException("load mismatch: transform produced " + rows + " rows, partitions committed "
          + committed);
    }
    registry.deleteMarkers(buildId);
    LOG.info("load: {} rows into {}.{}", rows, spec.target().schema(), loader.table());

    phases.start("index");
    loader.index();

    phases.start("registry");
    String appId = spark.sparkContext().applicationId();
    // One snapshot for both the registry and the JSON result, so they say the same; only markBuilt's own
    // round trip falls outside it.
    Map<String, Double> seconds = phases.seconds();
    if (!registry.markBuilt(spec.name(), params.version(), buildId, rows, io.geoswap.common.cli.Cli.toJson(seconds),
        appId, sourceRows)) {
      throw GeoswapException.temporary("build " + buildId + " was superseded by another build of the same version", null);
    }
    return new Result(spec.name(), params.version(), spec.target().schema(), loader.table(), rows,
        seconds, sourceFigures, appId, buildId, params);
  }

  private static void checkResultSchema(PipelineSpec spec, Dataset<Row> result) {
    List<String> problems = new ArrayList<>();
    Map<String, StructField> fields = new LinkedHashMap<>();
    for (StructField f : result.schema().fields()) fields.put(f.name(), f);
    if (spec.target().geometry() != null) {
      String geom = spec.target().geometry().column();
      StructField g = fields.get(geom);
      if (g == null) problems.add("has no column " + geom + " (target.geometry.column)");
      else if (!(g.dataType() instanceof GeometryUDT)) problems.add("column " + geom + " is " + g.dataType().simpleString() + ", not a geometry");
    }
    for (String k : spec.target().key()) {
      if (!fields.containsKey(k)) problems.add("has no column " + k + " (target.key)");
    }
    for (PipelineSpec.IndexSpec idx : spec.target().indexes()) {
      for (String c : idx.columns()) if (!fields.containsKey(c)) problems.add("has no column " + c + " (target.indexes)");
    }
    if (fields.size() != result.schema().fields().length) problems.add("has duplicate column names " + List.of(result.columns()));
    if (!problems.isEmpty()) {
      throw GeoswapException.usage("the result of transform " + spec.transformLocation() + " "
          + String.join("; ", problems) + " (columns: " + fields.keySet() + ")");
    }
  }

  /** The result's geometry columns other than the declared one, in order. */
  private static List<String> otherGeometries(PipelineSpec spec, Dataset<Row> result) {
    String declared = spec.target().geometry() == null ? null : spec.target().geometry().column();
    List<String> out = new ArrayList<>();
    for (StructField f : result.schema().fields()) {
      if (f.dataType() instanceof GeometryUDT && !f.name().equals(declared)) out.add(f.name());
    }
    return out;
  }

  /**
   * Runs the transform, in one action: its rows; for the declared geometry column, the rows whose SRID is
   * neither the spec's nor none; for every other geometry column, its smallest and largest SRID.
   */
  private static Row countAndSrids(PipelineSpec spec, Dataset<Row> result) {
    List<String> exprs = new ArrayList<>(List.of("count(1)"));
    if (spec.target().geometry() != null) {
      String g = "`" + spec.target().geometry().column() + "`";
      int srid = spec.target().geometry().srid();
      exprs.add("count_if(" + g + " IS NOT NULL AND ST_SRID(" + g + ") NOT IN (0, " + srid + "))");
      exprs.add("max(CASE WHEN ST_SRID(" + g + ") NOT IN (0, " + srid + ") THEN ST_SRID(" + g + ") END)");
    }
    for (String other : otherGeometries(spec, result)) {
      exprs.add("min(ST_SRID(`" + other + "`))");
      exprs.add("max(ST_SRID(`" + other + "`))");
    }
    return result.selectExpr(exprs.toArray(String[]::new)).first();
  }

  /**
   * The declared geometry column must carry the spec's SRID or none (aggregates drop it); every other
   * geometry column one SRID, which types it ({@code geometry(Geometry, srid)}). Returns those SRIDs.
   */
  private static Map<String, Integer> checkSrids(PipelineSpec spec, Dataset<Row> result, Row r) {
    int i = 1;
    if (spec.target().geometry() != null) {
      int srid = spec.target().geometry().srid();
      if (r.getLong(1) > 0) {
        throw GeoswapException.data("the transform's " + spec.target().geometry().column() + " has SRID "
            + r.get(2) + " in " + r.getLong(1) + " rows, but target.geometry.srid is " + srid
            + ": transform it back (ST_Transform) in the SQL");
      }
      i = 3;
    }
    Map<String, Integer> srids = new LinkedHashMap<>();
    for (String other : otherGeometries(spec, result)) {
      Object min = r.get(i++);
      Object max = r.get(i++);
      if (min != null && !min.equals(max)) {
        throw GeoswapException.data("result column " + other + " mixes SRIDs (" + min + " … " + max + "): a geometry"
            + " column holds one SRID; ST_Transform (or ST_SetSRID) its values to one in the SQL");
      }
      srids.put(other, max == null ? 0 : ((Number) max).intValue());
    }
    return srids;
  }

  /** Runs a Spark action, turning task failures into geoswap's errors (the cause chain holds the reason). */
  private static <T> T runSpark(String what, java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (GeoswapException e) {
      throw e;
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof GeoswapException g) throw g;
        if (c.getClass().getName().equals("org.locationtech.jts.geom.TopologyException")) {
          throw GeoswapException.data(what + " failed on invalid geometry: " + Text.oneLine(c.getMessage())
              + "; set on_invalid_geometry: make_valid (or ST_MakeValid in the SQL)", e);
        }
      }
      SQLException s = io.geoswap.common.db.DbErrors.findSqlException(e);
      if (s != null) throw io.geoswap.common.db.DbErrors.translate(what, s);
      throw e;
    }
  }

  private static void runSpark(String what, Runnable action) {
    runSpark(what, () -> {
      action.run();
      return null;
    });
  }

  /**
   * Wall seconds per phase, in order. Starting a phase ends the one before at the same instant, so from the
   * first start to the snapshot no time falls between phases: they add up to the total.
   */
  private static final class Phases {
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final long begin = System.nanoTime();
    private String current;
    private long started;

    void start(String name) {
      long now = System.nanoTime();
      if (current != null) addCurrent(seconds, now);
      current = name;
      started = now;
    }

    /** The current phase's time so far, into {@code into}; a phase run twice (the registry's steps) adds up. */
    private void addCurrent(Map<String, Double> into, long now) {
      into.merge(current, round((now - started) / 1e9), (a, b) -> round(a + b));
    }

    /** Moves {@code part} seconds (at most all) of the finished phase {@code from} into {@code into}, before it. */
    void split(String from, String into, double part) {
      double whole = seconds.get(from);
      double moved = round(Math.min(whole, Math.max(0, part)));
      Map<String, Double> reordered = new LinkedHashMap<>();
      seconds.forEach((k, v) -> {
        if (k.equals(from)) {
          reordered.put(into, moved);
          reordered.put(from, round(whole - moved));
        } else {
          reordered.put(k, v);
        }
      });
      seconds.clear();
      seconds.putAll(reordered);
    }

    double total() {
      return round((System.nanoTime() - begin) / 1e9);
    }

    Map<String, Double> seconds() {
      Map<String, Double> m = new LinkedHashMap<>(seconds);
      if (current != null) addCurrent(m, System.nanoTime());
      m.put("total", total());
      return m;
    }

    private static double round(double s) {
      return Math.round(s * 1000) / 1000.0;
    }
  }
}
