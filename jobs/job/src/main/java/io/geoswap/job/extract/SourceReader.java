package io.geoswap.job.extract;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  /** Types Spark's PostgreSQL dialect reads as they are; anything else is read as text. */
  private static final Set<String> NATIVE_TYPES = Set.of("int2", "int4", "int8", "float4", "float8", "numeric",
      "text", "varchar", "bpchar", "bool", "date", "timestamp", "timestamptz", "bytea", "uuid", "json", "jsonb");
  private static final Set<String> PARTITIONABLE = Set.of("int2", "int4", "int8", "numeric", "float4", "float8",
      "date", "timestamp", "timestamptz");
  private static final int SAMPLE_KEYS = SourceRelation.SAMPLE_KEYS;
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
    private final InvalidGeometryPolicy policy;
    private final String label;
    private final String where;
    private final int partitions;
    private final String extract;

    Read(Source source, SourceRelation relation, InvalidGeometryPolicy policy, String label, String where,
        int partitions, String extract) {
      this.source = source;
      this.relation = relation;
      this.policy = policy;
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
      SourceRelation.PartitionStats s = relation.check();
      if (s.rows == 0 && !source.allowEmpty()) {
        throw GeoswapException.data(label + " is empty" + (where == null ? "" : " with where: " + where)
            + "; set allow_empty: true on the source if that is expected");
      }
      long repaired = 0;
      for (int g = 0; g < s.geometries.size(); g++) {
        String name = s.geometries.get(g);
        if (s.minSrid[g] != null && !s.minSrid[g].equals(s.maxSrid[g])) {
          throw GeoswapException.data(label + ": column " + name + " mixes SRIDs (" + s.minSrid[g] + " … "
              + s.maxSrid[g] + "); transform them to one SRID in the source");
        }
        if (s.nulls[g] == 0 && s.invalid[g] == 0) continue;
        switch (policy) {
          case FAIL -> {
            SourceRelation.PartitionStats k = relation.samples();
            List<String> samples = new ArrayList<>(k.invalidSamples.get(g));
            samples.addAll(k.nullSamples.get(g));
            throw GeoswapException.data(label + ": " + describe(s.nulls[g], s.invalid[g]) + " in column " + name
                + " (first: " + String.join(", ", samples.subList(0, Math.min(samples.size(), SAMPLE_KEYS)))
                + "); set on_invalid_geometry: make_valid or drop to proceed");
          }
          case MAKE_VALID -> {
            if (s.nulls[g] > 0) {
              throw GeoswapException.data(label + ": " + s.nulls[g] + " NULL geometries in column " + name
                  + " (first: " + String.join(", ", relation.samples().nullSamples.get(g))
                  + "); NULL can't be repaired: use on_invalid_geometry: drop");
            }
            repaired += s.repaired[g];
          }
          case DROP -> { }
        }
      }
      if (repaired > 0) LOG.warn("{}: repaired {} invalid geometries with ST_MakeValid", label, repaired);
      if (s.dropped > 0) LOG.warn("{}: dropped {} rows with NULL or invalid geometries", label, s.dropped);
      return new Figures(s.rows - s.dropped, s.dropped, repaired);
    }
  }

  /** What a source gave the transform: rows, rows left out, geometries repaired. */
  public record Figures(long rows, long dropped, long repaired) {}

  record Column(String name, String type) {
    boolean isGeometry() {
      return type.equals("geometry") || type.equals("geography");
    }
  }

  /** Registers {@code source} as a temp view named like the source; {@link Read#check()} after the transform. */
  public Read read(Source source, InvalidGeometryPolicy policy, Map<String, String> placeholders) {
    String table = Sql.qualified(source.schema(), source.table());
    String label = "source " + source.name() + " (" + source.schema() + "." + source.table() + ")";
    List<Column> columns = columns(source, table, label);
    List<String> keys = primaryKey(table);
    String where = Placeholders.substitute(source.where(), placeholders, "sources." + source.name() + ".where");
    String whereProblem = SpecSql.whereProblem(where); // checked at load; again with the values in
    if (whereProblem != null) throw GeoswapException.usage("sources." + source.name() + ".where: " + whereProblem);

    String select = columns.stream().map(SourceReader::selectExpression).collect(Collectors.joining(", "));
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
    List<SourceRelation.Column> typed = new ArrayList<>();
    List<DataType> sparkTypes = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      Column c = columns.get(i);
      sparkTypes.add(fields[i].dataType());
      typed.add(new SourceRelation.Column(c.name(), c.isGeometry() ? new GeometryUDT() : fields[i].dataType(), c.isGeometry()));
    }
    String partitionType = source.partitionColumn() == null ? null : columns.stream()
        .filter(c -> c.name().equals(source.partitionColumn())).findFirst().map(Column::type).orElse(null);
    boolean copy = spark.conf().get(EXTRACT_CONF, "copy").equals("copy")
        && CopyExtract.decoders(columns.stream().map(SourceReader::sentType).toList(), sparkTypes) != null
        && (partitions <= 1 || CopyExtract.RANGE_TYPES.contains(partitionType));
    SourceRelation.Rows rows;
    if (copy) {
      List<String> ranges = partitions > 1
          ? CopyExtract.ranges(Sql.ident(source.partitionColumn()), Long.parseLong(bounds[0].toString()),
              Long.parseLong(bounds[1].toString()), partitions)
          : List.of("TRUE");
      Map<String, String[]> selects = new java.util.HashMap<>();
      for (Column c : columns) selects.put(c.name(), new String[] {copyExpression(c), sentType(c)});
      rows = new SourceRelation.CopyRows(db.withApplicationName("geoswap-extract"), table, where, ranges, selects);
      LOG.info("{}: binary COPY in {} partition(s)", label, ranges.size());
    } else {
      rows = new SourceRelation.JdbcRows(jdbc, jdbc.rdd().getNumPartitions());
    }
    // What names an offending row in messages: a key, else the partition column, else the first plain
    // columns (a table without a key still gets rows a user can find).
    List<String> sampleKeys = !keys.isEmpty() ? keys
        : source.partitionColumn() != null ? List.of(source.partitionColumn())
        : columns.stream().filter(c -> !c.isGeometry()).map(Column::name).limit(2).toList();
    SourceRelation relation = new SourceRelation(spark.sqlContext(), typed, rows, policy, sampleKeys, source.name());
    relation.frame().createOrReplaceTempView(source.name());
    return new Read(source, relation, policy, label, where, rows.partitions(), copy ? "copy" : "jdbc");
  }

  private static String describe(long nulls, long invalid) {
    List<String> parts = new ArrayList<>();
    if (invalid > 0) parts.add(invalid + " invalid geometr" + (invalid == 1 ? "y" : "ies"));
    if (nulls > 0) parts.add(nulls + " NULL geometr" + (nulls == 1 ? "y" : "ies"));
    return String.join(" and ", parts);
  }

  /** The PostgreSQL type {@link #copyExpression} sends for {@code c}: binary COPY's format of that type. */
  private static String sentType(Column c) {
    return c.isGeometry() ? "geometry" : NATIVE_TYPES.contains(c.type()) ? c.type() : "text";
  }

  /**
   * For binary COPY: geometries as they are, since PostGIS sends a geometry in binary as EWKB with its
   * SRID (its geometry_send), so no ST_AsEWKB per row; geography as its geometry.
   */
  private static String copyExpression(Column c) {
    if (!c.isGeometry()) return selectExpression(c);
    String q = Sql.ident(c.name());
    return c.type().equals("geography") ? q + "::geometry AS " + q : q;
  }

  private static String selectExpression(Column c) {
    String q = Sql.ident(c.name());
    return switch (c.type()) {
      // Binary EWKB: half the bytes of hex text, and the SRID survives (ST_AsBinary would drop it).
      case "geometry" -> "ST_AsEWKB(" + q + ") AS " + q;
      case "geography" -> "ST_AsEWKB(" + q + "::geometry) AS " + q;
      default -> NATIVE_TYPES.contains(c.type()) ? q : q + "::text AS " + q;
    };
  }

  private List<Column> columns(Source source, String table, String label) {
    return Db.run(conn, "reading the catalog for " + label, c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            throw GeoswapException.usage(label + ": table " + source.schema() + "." + source.table() + " does not exist");
          }
        }
      }
      List<Column> columns = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
              + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString(1);
            if (Sql.identifierProblem(name) != null) skipped.add(name);
            else columns.add(new Column(name, rs.getString(2)));
          }
        }
      }
      if (!skipped.isEmpty()) {
        LOG.warn("{}: columns {} skipped: not plain lower-case identifiers", label, skipped);
      }
      if (source.partitionColumn() != null) {
        Column pc = columns.stream().filter(x -> x.name().equals(source.partitionColumn())).findFirst()
            .orElseThrow(() -> GeoswapException.usage(label + ": partition_column " + source.partitionColumn()
                + " does not exist (columns: " + columns.stream().map(Column::name).toList() + ")"));
        if (!PARTITIONABLE.contains(pc.type())) {
          throw GeoswapException.usage(label + ": partition_column " + pc.name() + " is of type " + pc.type()
              + "; it must be numeric, a date or a timestamp");
        }
      }
      return columns;
    });
  }

  private List<String> primaryKey(String table) {
    return Db.run(conn, "reading the primary key of " + table, c -> {
      List<String> keys = new ArrayList<>();
      // The primary key, else the narrowest unique index on plain NOT NULL columns.
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT unnest(cols) FROM (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) AS cols,"
              + " bool_and(a.attnotnull) AS not_null, i.indisprimary, count(*) AS n FROM pg_index i"
              + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
              + " WHERE i.indrelid = to_regclass(?) AND (i.indisprimary OR (i.indisunique AND i.indpred IS NULL"
              + " AND i.indexprs IS NULL)) GROUP BY i.indexrelid, i.indisprimary) k"
              + " WHERE indisprimary OR not_null ORDER BY indisprimary DESC, n LIMIT 1")) {
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) keys.add(rs.getString(1));
        }
      }
      return keys;
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
      if (g.exitCode() == io.geoswap.common.ExitCode.UNEXPECTED && e != null && "XX000".equals(e.getSQLState())) {
        throw GeoswapException.data(g.getMessage(), e);
      }
      throw g;
    }
  }
}
