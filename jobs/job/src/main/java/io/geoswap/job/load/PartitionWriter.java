package io.geoswap.job.load;

import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Row;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one Spark partition into the version table with COPY, exactly once: the partition's rows and its
 * marker row ({@code geoswap.load_markers}, keyed by build and partition) commit in one transaction. A later
 * attempt of a partition that already committed (a task retried after its commit, a speculative copy)
 * finds the marker and writes nothing; one that races an uncommitted attempt waits on the marker's unique
 * key and then does the same (PostgreSQL docs, "INSERT" → "ON CONFLICT Clause").
 */
public final class PartitionWriter implements ForeachPartitionFunction<Row>, Serializable {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);
  private static final int FLUSH_CHARS = 1 << 16;

  private final DbSettings db;
  private final String copySql;
  private final CopyEncoder encoder;
  private final UUID buildId;
  private final String pipeline;
  private final String version;
  /** Test hook: the first attempt of this partition fails right after its commit (-1: never). */
  private final int failAfterCommitPartition;

  public PartitionWriter(DbSettings db, String copySql, CopyEncoder encoder, UUID buildId, String pipeline,
      String version, int failAfterCommitPartition) {
    this.db = db;
    this.copySql = copySql;
    this.encoder = encoder;
    this.buildId = buildId;
    this.pipeline = pipeline;
    this.version = version;
    this.failAfterCommitPartition = failAfterCommitPartition;
  }

  @Override
  public void call(Iterator<Row> rows) throws Exception {
    TaskContext task = TaskContext.get();
    int partition = task == null ? 0 : task.partitionId();
    int attempt = task == null ? 0 : task.attemptNumber();
    try (Connection c = Db.connect(db.withApplicationName("geoswap-load"))) {
      c.setAutoCommit(false);
      // The build must still be the current one: a zombie task of an abandoned build must not write into
      // the table a newer build of the same version created. FOR SHARE also holds off a rebuild's
      // re-registration until this transaction ends.
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM geoswap.versions WHERE pipeline = ?"
          + " AND version = ? AND build_id = ? AND status = 'building' FOR SHARE")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        ps.setObject(3, buildId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            c.rollback();
            throw new IllegalStateException("build " + buildId + " of " + pipeline + " " + version
                + " is no longer current; partition " + partition + " not written");
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO geoswap.load_markers (build_id, partition_id,"
          + " attempt) VALUES (?, ?, ?) ON CONFLICT (build_id, partition_id) DO NOTHING")) {
        ps.setObject(1, buildId);
        ps.setInt(2, partition);
        ps.setInt(3, attempt);
        if (ps.executeUpdate() == 0) {
          c.rollback();
          LOG.info("partition {} (attempt {}) was committed by an earlier attempt; writing nothing", partition, attempt);
          return;
        }
      }
      long written = copy(c, rows);
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE geoswap.load_markers SET rows = ? WHERE build_id = ? AND partition_id = ?")) {
        ps.setLong(1, written);
        ps.setObject(2, buildId);
        ps.setInt(3, partition);
        ps.executeUpdate();
      }
      c.commit();
      LOG.debug("partition {} (attempt {}): {} rows", partition, attempt, written);
    }
    if (partition == failAfterCommitPartition && attempt == 0) {
      throw new IllegalStateException("test hook: failing attempt 0 of partition " + partition + " after its commit");
    }
  }

  private long copy(Connection c, Iterator<Row> rows) throws SQLException, IOException {
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
    try {
      StringBuilder buf = new StringBuilder(FLUSH_CHARS + 4096);
      while (rows.hasNext()) {
        encoder.encode(rows.next(), buf);
        if (buf.length() >= FLUSH_CHARS) {
          write(in, buf);
        }
      }
      write(in, buf);
      return in.endCopy();
    } finally {
      if (in.isActive()) in.cancelCopy();
    }
  }

  private static void write(CopyIn in, StringBuilder buf) throws SQLException {
    if (buf.length() == 0) return;
    byte[] bytes = buf.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    in.writeToCopy(bytes, 0, bytes.length);
    buf.setLength(0);
  }
}
