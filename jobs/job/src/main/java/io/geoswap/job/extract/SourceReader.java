package io.geoswap.job.extract;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.db.Catalog;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.spec.Placeholders;
import io.geoswap.common.spec.SpecSql;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import io.geoswap.common.spec.PipelineSpec.Source;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one source table of PostGIS readable by the transform: columns and geometry columns from the
 * catalog, a partitioned read (binary COPY, or Spark's JDBC source) with the spec's {@code where} pushed
 * down and only the columns the transform uses, geometries shipped as binary EWKB (the SRID survives) and
 * parsed once, and the spec's geometry policy applied on the way (see {@link SourceRelation}).
 */
public final class SourceReader {
  private static final Logger LOG = LoggerFactory.getLogger(SourceReader.class);
  /** copy (default): binary COPY where the column types allow; jdbc: always Spark's JDBC source. */
  public static final String EXTRACT_CONF = "spark.geoswap.extract";

  private final SparkSession spark;
  private final DbSettings db;
  private final Connection conn;

  public SourceReader(SparkSession spark, DbSettings db, Connection conn) {
    this.spark = spark;
    this.db = db;
    this.conn = conn;
  }

  /**
   * A source as registered for the transform. Nothing is read yet: the transform's own scan reads it, and
   * {@link #check()} then applies the checks to what that scan found.
   */
  public static final class Read {
    private final Source source;
    private final SourceRelation relation;
    private final String label;
    private final String where;
    private final int partitions;
    private final String extract;

    Read(Source source, SourceRelation relation, String label, String where, int partitions, String extract) {
      this.source = source;
      this.relation = relation;
      this.label = label;
      this.where = where;
      this.partitions = partitions;
      this.extract = extract;
    }

    public Source source() {
      return source;
    }

    public int partitions() {
      return partitions;
    }

    /** copy or jdbc */
    public String extract() {
      return extract;
    }

    /**
     * After the transform has run (and before anything is loaded): the source's checks, on the figures its
     * scan gathered. Throws the data error a bad source is; returns the figures otherwise.
     */
    public Figures check() {
      ScanFigures s = relation.check();
      if (s.rows == 0 && !source.allowEmpty()) {
        throw GeoswapException.data(label + " is empty" + (where == null ? "" : " with where: " + where)
            + "; set allow_empty: true on the source if that is expected");
      }
      relation.policy().check(label, s, relation::samples);
      long repaired = s.repairedTotal();
      if (repaired > 0) LOG.warn("{}: repaired {} invalid geometries with ST_MakeValid", label, repaired);
      if (s.dropped > 0) LOG.warn("{}: dropped {} rows with NULL or invalid geometries", label, s.dropped);
      return new Figures(s.rows - s.dropped, s.dropped, repaired, s.scanNanos / 1e9);
    }
  }

  /**
   * What a source gave the transform: rows, rows left out, geometries repaired, and the seconds its scan's
   * tasks spent reading (summed over tasks: they run in parallel).
   */
  public record Figures(long rows, long dropped, long repaired, double scanTaskSeconds) {}

  /** Registers {@code source} as a temp view named like the source; {@link Read#check()} after the transform. */
  public Read read(Source source, InvalidGeometryPolicy policy, Map<String, String> placeholders) {
    String table = Sql.qualified(source.schema(), source.table());
    String label = "source " + source.name() + " (" + source.schema() + "." + source.table() + ")";
    List<SourceColumn> columns = columns(source, label);
    List<String> keys = Db.run(conn, "reading the primary key of " + table,
        c -> Catalog.rowKey(c, source.schema(), source.table()));
    String where = Placeholders.substitute(source.where(), placeholders, "sources." + source.name() + ".where");
    String whereProblem = SpecSql.whereProblem(where); // checked at load; again with the values in
    if (whereProblem != null) throw GeoswapException.usage("sources." + source.name() + ".where: " + whereProblem);

    String select = columns.stream().map(SourceColumn::selectExpression).collect(Collectors.joining(", "));
    String query = "SELECT " + select + " FROM " + table + (where == null ? "" : " WHERE " + where);
    // Fail fast, with PostgreSQL's words, on a bad `where` or a column the catalog lists but we can't read.
    Object[] bounds = bounds(source, table, query, label);

    var reader = spark.read().format("jdbc")
        .option("url", db.jdbcUrl())
        .option("driver", "org.postgresql.Driver")
        .option("dbtable", "(" + query + ") AS geoswap_src")
        .option("fetchsize", "10000")
        // The read can't write, whatever its query holds (the spec's `where` is in it).
        .option("sessionInitStatement", CopyExtract.READ_ONLY_SESSION);
    db.properties().forEach((k, v) -> reader.option(k.toString(), v.toString()));
    int partitions = 1;
    if (source.partitionColumn() != null && bounds[0] != null) {
      partitions = source.partitions() != null ? source.partitions() : spark.sparkContext().defaultParallelism();
      reader.option("partitionColumn", source.partitionColumn())
          .option("lowerBound", bounds[0].toString())
          .option("upperBound", bounds[1].toString())
          .option("numPartitions", Integer.toString(partitions));
    }
    // The JDBC source's schema (a LIMIT 0 probe on the driver) types the columns either way.
    Dataset<Row> jdbc = reader.load();
    StructField[] fields = jdbc.schema().fields();
    List<ScanColumn> typed = new ArrayList<>();
    List<DataType> sparkTypes = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      SourceColumn c = columns.get(i);
      sparkTypes.add(fields[i].dataType());
      typed.add(new ScanColumn(c.name(), c.isGeometry() ? new GeometryUDT() : fields[i].dataType(), c.isGeometry()));
    }
    String partitionType = source.partitionColumn() == null ? null : columns.stream()
        .filter(c -> c.name().equals(source.partitionColumn())).findFirst().map(SourceColumn::type).orElse(null);
    boolean copy = spark.conf().get(EXTRACT_CONF, "copy").equals("copy")
        && CopyExtract.decoders(columns.stream().map(SourceColumn::sentType).toList(), sparkTypes) != null
        && (partitions <= 1 || CopyExtract.RANGE_TYPES.contains(partitionType));
    RowSource rows;
    if (copy) {
      List<String> ranges = partitions > 1
          ? CopyExtract.ranges(Sql.ident(source.partitionColumn()), Long.parseLong(bounds[0].toString()),
              Long.parseLong(bounds[1].toString()), partitions)
          : List.of("TRUE");
      Map<String, String[]> selects = new java.util.HashMap<>();
      for (SourceColumn c : columns) selects.put(c.name(), new String[] {c.copyExpression(), c.sentType()});
      rows = new CopyRowSource(db.withApplicationName("geoswap-extract"), table, where, ranges, selects);
      LOG.info("{}: binary COPY in {} partition(s)", label, ranges.size());
    } else {
      rows = new JdbcRowSource(jdbc, jdbc.rdd().getNumPartitions());
    }
    // What names an offending row in messages: a key, else the partition column, else the first plain
    // columns (a table without a key still gets rows a user can find).
    List<String> sampleKeys = !keys.isEmpty() ? keys
        : source.partitionColumn() != null ? List.of(source.partitionColumn())
        : columns.stream().filter(c -> !c.isGeometry()).map(SourceColumn::name).limit(2).toList();
    SourceRelation relation = new SourceRelation(spark.sqlContext(), typed, rows, policy, sampleKeys, source.name());
    relation.frame().createOrReplaceTempView(source.name());
    return new Read(source, relation, label, where, rows.partitions(), copy ? "copy" : "jdbc");
  }

  private List<SourceColumn> columns(Source source, String label) {
    return Db.run(conn, "reading the catalog for " + label, c -> {
      if (!Catalog.exists(c, source.schema(), source.table())) {
        throw GeoswapException.usage(label + ": table " + source.schema() + "." + source.table() + " does not exist");
      }
      List<SourceColumn> columns = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      for (Catalog.Column col : Catalog.columns(c, source.schema(), source.table())) {
        if (Sql.identifierProblem(col.name()) != null) skipped.add(col.name());
        else columns.add(new SourceColumn(col.name(), col.typname()));
      }
      if (!skipped.isEmpty()) {
        LOG.warn("{}: columns {} skipped: not plain lower-case identifiers", label, skipped);
      }
      if (source.partitionColumn() != null) {
        SourceColumn pc = columns.stream().filter(x -> x.name().equals(source.partitionColumn())).findFirst()
            .orElseThrow(() -> GeoswapException.usage(label + ": partition_column " + source.partitionColumn()
                + " does not exist (columns: " + columns.stream().map(SourceColumn::name).toList() + ")"));
        if (!pc.partitionable()) {
          throw GeoswapException.usage(label + ": partition_column " + pc.name() + " is of type " + pc.type()
              + "; it must be numeric, a date or a timestamp");
        }
      }
      return columns;
    });
  }


  /** min/max of the partition column (nulls when there is none or no rows); also proves the query runs. */
  private Object[] bounds(Source source, String table, String query, String label) {
    String pc = source.partitionColumn();
    // Planned, not run: a bad `where` or column fails here with PostgreSQL's words, at no cost.
    String probe = "SELECT NULL FROM (" + query + ") AS q LIMIT 0";
    // The partition ranges come from the whole table, not from the rows `where` keeps: min/max of an
    // indexed column is two index probes, while min/max under the filter scans every row (measured at
    // 10M events: ~2 s of PostgreSQL CPU). Ranges the filter empties just make lighter partitions.
    String range = pc == null ? null
        : "SELECT min(" + Sql.ident(pc) + ")::text, max(" + Sql.ident(pc) + ")::text FROM " + table;
    // One statement each (SpecSql), in a READ ONLY transaction: the probe carries the spec's `where`.
    try {
      return Db.readOnly(conn, label + ": reading failed", c -> {
        try (PreparedStatement ps = SpecSql.prepare(c, probe, "sources." + source.name() + ".where")) {
          ps.executeQuery().close();
        }
        if (range == null) return new Object[] {null, null};
        try (PreparedStatement ps = c.prepareStatement(range); ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) return new Object[] {null, null};
          return new Object[] {rs.getString(1), rs.getString(2)};
        }
      });
    } catch (GeoswapException g) {
      SQLException e = io.geoswap.common.db.DbErrors.findSqlException(g);
      if (g.exitCode() == io.geoswap.common.ExitCode.UNEXPECTED.code() && e != null && "XX000".equals(e.getSQLState())) {
        throw GeoswapException.data(g.getMessage(), e);
      }
      throw g;
    }
  }
}
