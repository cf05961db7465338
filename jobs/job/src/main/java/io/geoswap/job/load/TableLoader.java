package io.geoswap.job.load;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Names;
import io.geoswap.common.Sql;
import io.geoswap.common.db.Catalog;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbErrors;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.common.spec.PipelineSpec.IndexSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

/** Creates a version table, loads it from Spark with COPY, indexes it, and drops it again on failure. */
public final class TableLoader {
  private final Connection conn;
  private final DbSettings db;
  private final PipelineSpec spec;
  private final String table;
  private final String qualified;

  public TableLoader(Connection conn, DbSettings db, PipelineSpec spec, String version) {
    this.conn = conn;
    this.db = db;
    this.spec = spec;
    this.table = spec.versionTable(version);
    this.qualified = Sql.qualified(spec.target().schema(), table);
  }

  public String table() {
    return table;
  }

  /** Views that read this table: a table a view reads is (or was) live and is never rebuilt. */
  public List<String> dependentViews() {
    return Db.run(conn, "checking who reads " + qualified, c -> Catalog.readingViews(c, spec.target().schema(), table));
  }

  /** Drops any earlier build of this version and creates the empty table for {@code columnDefinitions}. */
  public void create(List<String> columnDefinitions) {
    Db.inTransaction(conn, "creating " + qualified, c -> {
      try (Statement st = c.createStatement()) {
        st.execute("DROP TABLE IF EXISTS " + qualified);
        st.execute("CREATE TABLE " + qualified + " (" + String.join(", ", columnDefinitions) + ")");
        st.execute("COMMENT ON TABLE " + qualified + " IS " + literal(
            "geoswap version table of pipeline " + spec.name() + "; do not read directly, use the view"));
      }
      return null;
    });
  }

  /**
   * Loads {@code result} partition by partition, exactly once each (see {@link PartitionWriter}), from
   * Spark's internal rows: no conversion to external {@code Row}s, values written in their binary forms.
   */
  public void load(Dataset<Row> result, UUID buildId, String version, int failAfterCommitPartition) {
    List<String> cols = new ArrayList<>();
    for (StructField f : result.schema().fields()) cols.add(f.name());
    String copySql = "COPY " + qualified + " (" + Sql.idents(cols) + ") FROM STDIN (FORMAT binary)";
    BinaryCopyEncoder encoder = spec.target().geometry() == null ? new BinaryCopyEncoder(result.schema(), null, 0)
        : new BinaryCopyEncoder(result.schema(), spec.target().geometry().column(), spec.target().geometry().srid());
    result.queryExecution().toRdd().toJavaRDD().foreachPartition(new PartitionWriter(db, copySql, encoder,
        buildId, spec.name(), version, failAfterCommitPartition));
  }

  /** The spec's indexes, a unique index on the key, then ANALYZE so the first reader gets good plans. */
  public void index() {
    List<IndexSpec> indexes = spec.target().indexes();
    for (int i = 0; i < indexes.size(); i++) {
      IndexSpec idx = indexes.get(i);
      String sql = "CREATE INDEX " + Sql.ident(Names.indexName(table, i)) + " ON " + qualified
          + " USING " + idx.method() + " (" + Sql.idents(idx.columns()) + ")";
      Db.run(conn, "creating index on " + idx.columns(), c -> {
        try (Statement st = c.createStatement()) {
          return st.execute(sql);
        }
      });
    }
    List<String> key = spec.target().key();
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE UNIQUE INDEX " + Sql.ident(Names.keyIndexName(table)) + " ON " + qualified
          + " (" + Sql.idents(key) + ")");
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        String detail = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
            ? p.getServerErrorMessage().getDetail() : null;
        throw GeoswapException.data("the result has duplicate values of target.key " + key
            + (detail == null ? "" : ": " + detail), e);
      }
      throw DbErrors.translate("creating the unique index on " + key, e);
    }
    Db.run(conn, "analyzing " + qualified, c -> {
      try (Statement st = c.createStatement()) {
        return st.execute("ANALYZE " + qualified);
      }
    });
  }

  /** Best effort: drop the table (a failed build leaves nothing half-written behind). */
  public void dropQuietly(Throwable cause) {
    try (Statement st = conn.createStatement()) {
      if (!conn.getAutoCommit()) conn.rollback();
      st.execute("DROP TABLE IF EXISTS " + qualified);
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
