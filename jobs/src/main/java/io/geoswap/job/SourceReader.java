package io.geoswap.job;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.spec.Placeholders;
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
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one source table from PostGIS into Spark: columns and geometry columns from the catalog, a
 * partitioned JDBC read with the spec's {@code where} pushed down, geometries shipped as binary EWKB (the
 * SRID survives) and parsed once, then the spec's geometry policy applied.
 */
public final class SourceReader {
  private static final Logger LOG = LoggerFactory.getLogger(SourceReader.class);
  /** Types Spark's PostgreSQL dialect reads as they are; anything else is read as text. */
  private static final Set<String> NATIVE_TYPES = Set.of("int2", "int4", "int8", "float4", "float8", "numeric",
      "text", "varchar", "bpchar", "bool", "date", "timestamp", "timestamptz", "bytea", "uuid", "json", "jsonb");
  private static final Set<String> PARTITIONABLE = Set.of("int2", "int4", "int8", "numeric", "float4", "float8",
      "date", "timestamp", "timestamptz");
  private static final int SAMPLE_KEYS = 5;
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

  /** A source as read: its DataFrame (persisted) and what was found on the way. */
  public record Read(Source source, Dataset<Row> frame, long rows, long dropped, long repaired, int partitions,
      String extract) {}

  record Column(String name, String type) {
    boolean isGeometry() {
      return type.equals("geometry") || type.equals("geography");
    }
  }

  /** Reads {@code source}, applies {@code policy}, registers it as a temp view named like the source. */
  public Read read(Source source, InvalidGeometryPolicy policy, Map<String, String> placeholders) {
    String table = Sql.qualified(source.schema(), source.table());
    String label = "source " + source.name() + " (" + source.schema() + "." + source.table() + ")";
    List<Column> columns = columns(source, table, label);
    List<String> keys = primaryKey(table);
    String where = Placeholders.substitute(source.where(), placeholders, "sources." + source.name() + ".where");

    String select = columns.stream().map(SourceReader::selectExpression).collect(Collectors.joining(", "));
    String query = "SELECT " + select + " FROM " + table + (where == null ? "" : " WHERE " + where);
    // Fail fast, with PostgreSQL's words, on a bad `where` or a column the catalog lists but we can't read.
    Object[] bounds = bounds(source, table, query, label);

    var reader = spark.read().format("jdbc")
        .option("url", db.jdbcUrl())
        .option("driver", "org.postgresql.Driver")
        .option("dbtable", "(" + query + ") AS geoswap_src")
        .option("fetchsize", "10000");
    db.properties().forEach((k, v) -> reader.option(k.toString(), v.toString()));
    int partitions = 1;
    if (source.partitionColumn() != null && bounds[0] != null) {
      partitions = source.partitions() != null ? source.partitions() : spark.sparkContext().defaultParallelism();
      reader.option("partitionColumn", source.partitionColumn())
          .option("lowerBound", bounds[0].toString())
          .option("upperBound", bounds[1].toString())
          .option("numPartitions", Integer.toString(partitions));
    }
    Dataset<Row> raw = reader.load();
    String method = "jdbc";
    String extract = spark.conf().get(EXTRACT_CONF, "copy");
    String partitionType = source.partitionColumn() == null ? null : columns.stream()
        .filter(c -> c.name().equals(source.partitionColumn())).findFirst().map(Column::type).orElse(null);
    CopyExtract.Decoder[] decoders = extract.equals("copy")
        ? CopyExtract.decoders(columns.stream().map(SourceReader::selectedType).toList(), raw.schema()) : null;
    if (decoders != null && (partitions <= 1 || CopyExtract.RANGE_TYPES.contains(partitionType))) {
      // Same query, same schema (the JDBC source's, from a LIMIT 0 probe), rows by binary COPY.
      List<String> queries = partitions > 1
          ? CopyExtract.partitionQueries(query, Sql.ident(source.partitionColumn()),
              Long.parseLong(bounds[0].toString()), Long.parseLong(bounds[1].toString()), partitions)
          : List.of(query);
      raw = CopyExtract.read(spark, db.withApplicationName("geoswap-extract"), raw.schema(), decoders, queries);
      LOG.info("{}: binary COPY in {} partition(s)", label, queries.size());
      method = "copy";
    }
    // Parse each geometry once, here; the transform sees Sedona geometries.
    String[] parsed = columns.stream()
        .map(c -> c.isGeometry() ? "ST_GeomFromWKB(`" + c.name() + "`) AS `" + c.name() + "`" : "`" + c.name() + "`")
        .toArray(String[]::new);
    Dataset<Row> frame = raw.selectExpr(parsed);
    frame = frame.persist(StorageLevel.MEMORY_AND_DISK());

    List<Column> geometries = columns.stream().filter(Column::isGeometry).toList();
    Stats stats = stats(frame, geometries);
    long rows = stats.rows;
    if (rows == 0 && !source.allowEmpty()) {
      frame.unpersist();
      throw GeoswapException.data(label + " is empty" + (where == null ? "" : " with where: " + where)
          + "; set allow_empty: true on the source if that is expected");
    }
    long dropped = 0;
    long repaired = 0;
    for (Column g : geometries) {
      GeometryStats s = stats.geometries.get(g.name());
      if (s.minSrid != null && !s.minSrid.equals(s.maxSrid)) {
        frame.unpersist();
        throw GeoswapException.data(label + ": column " + g.name() + " mixes SRIDs (" + s.minSrid + " … "
            + s.maxSrid + "); transform them to one SRID in the source");
      }
      if (s.nulls == 0 && s.invalid == 0) continue;
      String col = "`" + g.name() + "`";
      switch (policy) {
        case FAIL -> {
          String sample = sample(frame, keys, source, col + " IS NULL OR NOT ST_IsValid(" + col + ")", col);
          frame.unpersist();
          throw GeoswapException.data(label + ": " + describe(s) + " in column " + g.name()
              + " (first: " + sample + "); set on_invalid_geometry: make_valid or drop to proceed");
        }
        case MAKE_VALID -> {
          if (s.nulls > 0) {
            String sample = sample(frame, keys, source, col + " IS NULL", col);
            frame.unpersist();
            throw GeoswapException.data(label + ": " + s.nulls + " NULL geometries in column " + g.name()
                + " (first: " + sample + "); NULL can't be repaired: use on_invalid_geometry: drop");
          }
          repaired += s.invalid;
          frame = replace(frame, columns, g.name(), "CASE WHEN ST_IsValid(" + col + ") THEN " + col
              + " ELSE ST_MakeValid(" + col + ") END");
        }
        case DROP -> {
          dropped += s.nulls + s.invalid;
          frame = frame.filter(col + " IS NOT NULL AND ST_IsValid(" + col + ")");
        }
      }
    }
    if (repaired > 0) LOG.warn("{}: repaired {} invalid geometries with ST_MakeValid", label, repaired);
    if (dropped > 0) LOG.warn("{}: dropped {} rows with NULL or invalid geometries", label, dropped);
    frame.createOrReplaceTempView(source.name());
    return new Read(source, frame, rows - dropped, dropped, repaired, partitions, method);
  }

  private static String describe(GeometryStats s) {
    List<String> parts = new ArrayList<>();
    if (s.invalid > 0) parts.add(s.invalid + " invalid geometr" + (s.invalid == 1 ? "y" : "ies"));
    if (s.nulls > 0) parts.add(s.nulls + " NULL geometr" + (s.nulls == 1 ? "y" : "ies"));
    return String.join(" and ", parts);
  }

  /** The PostgreSQL type of {@link #selectExpression}'s result for {@code c}. */
  private static String selectedType(Column c) {
    return c.isGeometry() ? "bytea" : NATIVE_TYPES.contains(c.type()) ? c.type() : "text";
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
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
              + " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(?) AND i.indisprimary"
              + " ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
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
    try (Statement st = conn.createStatement()) {
      st.executeQuery(probe).close();
      if (range == null) return new Object[] {null, null};
      try (ResultSet rs = st.executeQuery(range)) {
        if (!rs.next()) return new Object[] {null, null};
        return new Object[] {rs.getString(1), rs.getString(2)};
      }
    } catch (SQLException e) {
      GeoswapException g = io.geoswap.common.db.DbErrors.translate(label + ": reading failed", e);
      if (g.exitCode() == io.geoswap.common.ExitCode.UNEXPECTED && "XX000".equals(e.getSQLState())) {
        throw GeoswapException.data(g.getMessage(), e);
      }
      throw g;
    }
  }

  private record GeometryStats(long nulls, long invalid, Integer minSrid, Integer maxSrid) {}

  private record Stats(long rows, Map<String, GeometryStats> geometries) {}

  /** One pass over the source: row count, and per geometry column NULLs, invalid ones and SRID range. */
  private static Stats stats(Dataset<Row> frame, List<Column> geometries) {
    List<String> exprs = new ArrayList<>();
    exprs.add("count(1)");
    for (Column g : geometries) {
      String c = "`" + g.name() + "`";
      exprs.add("count_if(" + c + " IS NULL)");
      exprs.add("count_if(" + c + " IS NOT NULL AND NOT ST_IsValid(" + c + "))");
      exprs.add("min(ST_SRID(" + c + "))");
      exprs.add("max(ST_SRID(" + c + "))");
    }
    Row r = frame.selectExpr(exprs.toArray(String[]::new)).first();
    Map<String, GeometryStats> byColumn = new java.util.HashMap<>();
    int i = 1;
    for (Column g : geometries) {
      byColumn.put(g.name(), new GeometryStats(r.getLong(i), r.getLong(i + 1),
          r.isNullAt(i + 2) ? null : r.getInt(i + 2), r.isNullAt(i + 3) ? null : r.getInt(i + 3)));
      i += 4;
    }
    return new Stats(r.getLong(0), byColumn);
  }

  /** The keys of the first few rows matching {@code condition}, e.g. {@code id=5 (Self-intersection…)}. */
  private static String sample(Dataset<Row> frame, List<String> pk, Source source, String condition, String geomCol) {
    List<String> keys = !pk.isEmpty() ? pk
        : source.partitionColumn() != null ? List.of(source.partitionColumn()) : List.of();
    List<String> exprs = new ArrayList<>();
    keys.forEach(k -> exprs.add("`" + k + "`"));
    exprs.add("CASE WHEN " + geomCol + " IS NULL THEN 'NULL geometry' ELSE ST_IsValidReason(" + geomCol + ") END");
    List<Row> rows = frame.filter(condition).selectExpr(exprs.toArray(String[]::new)).limit(SAMPLE_KEYS).collectAsList();
    return rows.stream().map(r -> {
      StringBuilder s = new StringBuilder();
      for (int k = 0; k < keys.size(); k++) {
        if (k > 0) s.append(",");
        s.append(keys.get(k)).append('=').append(r.get(k));
      }
      s.append(keys.isEmpty() ? "" : " ").append(keys.isEmpty() ? r.getString(keys.size()) : "(" + r.getString(keys.size()) + ")");
      return s.toString();
    }).collect(Collectors.joining(", "));
  }

  private static Dataset<Row> replace(Dataset<Row> frame, List<Column> columns, String name, String expression) {
    String[] exprs = columns.stream()
        .map(c -> c.name().equals(name) ? expression + " AS `" + name + "`" : "`" + c.name() + "`")
        .toArray(String[]::new);
    return frame.selectExpr(exprs);
  }
}
