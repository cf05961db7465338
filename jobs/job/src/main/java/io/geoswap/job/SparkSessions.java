package io.geoswap.job;

import java.util.Map;
import org.apache.sedona.spark.SedonaContext;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The one way geoswap builds a SparkSession: Sedona registered, {@link SparkSettings}, UTC. */
public final class SparkSessions {
  private SparkSessions() {}

  /**
   * Returns the active session (spark-submit, tests) or makes one; {@code local[*]} when no master is set.
   * {@code conf} (the spec's {@code spark} settings) is applied on top.
   */
  public static SparkSession getOrCreate(String appName, Map<String, String> conf) {
    SparkConf defaults = new SparkConf();
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    boolean local = !defaults.contains("spark.master") || defaults.get("spark.master").startsWith("local");
    if (!defaults.contains("spark.master")) {
      b.master("local[*]");
    }
    SparkSettings.KRYO.forEach(b::config);
    // A transform reads its sources, not files: no `SELECT * FROM csv.`/path`` (TransformPlan).
    b.config("spark.sql.runSQLOnFiles", "false");
    // Placeholders render timestamps in UTC; Spark must read them the same way.
    b.config("spark.sql.session.timeZone", "UTC");
    if (local) {
      b.config("spark.ui.enabled", defaults.get("spark.ui.enabled", "false"));
      // 200 shuffle partitions (Spark's default) is sized for clusters; locally a few per core do.
      if (!defaults.contains("spark.sql.shuffle.partitions")) {
        b.config("spark.sql.shuffle.partitions", Integer.toString(2 * Runtime.getRuntime().availableProcessors()));
      }
    }
    conf.forEach(b::config);
    SparkSession session = b.getOrCreate();
    conf.forEach((k, v) -> {
      if (k.startsWith("spark.sql.")) session.conf().set(k, v);
    });
    return SedonaContext.create(session);
  }
}
