package io.geoswap.job.load;

import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.registry.LoadMarkers;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.OptionalLong;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one Spark partition into the version table with a binary COPY of its internal rows
 * ({@link BinaryCopyEncoder}), exactly once: the partition's rows and its
 * marker row commit in one transaction ({@link LoadMarkers}, the registry's ledger), so a later attempt of a
 * partition that already committed writes nothing.
 */
public final class PartitionWriter implements VoidFunction<Iterator<InternalRow>>, Serializable {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);
  private static final int FLUSH_BYTES = 1 << 16;

  private final DbSettings db;
  private final String copySql;
  private final BinaryCopyEncoder encoder;
  private final UUID buildId;
  private final String pipeline;
  private final String version;
  /** Test hook: the first attempt of this partition fails right after its commit (-1: never). */
  private final int failAfterCommitPartition;

  public PartitionWriter(DbSettings db, String copySql, BinaryCopyEncoder encoder, UUID buildId, String pipeline,
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
  public void call(Iterator<InternalRow> rows) throws Exception {
    TaskContext task = TaskContext.get();
    int partition = task == null ? 0 : task.partitionId();
    int attempt = task == null ? 0 : task.attemptNumber();
    try (Connection c = Db.connect(db.withApplicationName("geoswap-load"))) {
      OptionalLong written = LoadMarkers.writeOnce(c, pipeline, version, buildId, partition, attempt, conn -> copy(conn, rows));
      if (written.isEmpty()) {
        LOG.info("partition {} (attempt {}) was committed by an earlier attempt; writing nothing", partition, attempt);
        return;
      }
      LOG.debug("partition {} (attempt {}): {} rows", partition, attempt, written.getAsLong());
    }
    if (partition == failAfterCommitPartition && attempt == 0) {
      throw new IllegalStateException("test hook: failing attempt 0 of partition " + partition + " after its commit");
    }
  }

  private long copy(Connection c, Iterator<InternalRow> rows) throws SQLException {
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
    try {
      CopyBuffer buf = new CopyBuffer(FLUSH_BYTES + 4096);
      BinaryCopyEncoder.header(buf);
      while (rows.hasNext()) {
        // Spark may reuse the row object for the next row: it is encoded before that.
        encoder.encode(rows.next(), buf);
        if (buf.length() >= FLUSH_BYTES) {
          write(in, buf);
        }
      }
      BinaryCopyEncoder.trailer(buf);
      write(in, buf);
      return in.endCopy();
    } finally {
      if (in.isActive()) in.cancelCopy();
    }
  }

  private static void write(CopyIn in, CopyBuffer buf) throws SQLException {
    if (buf.length() == 0) return;
    in.writeToCopy(buf.array(), 0, buf.length());
    buf.clear();
  }
}
