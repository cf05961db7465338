package io.geoswap.job;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** One local SparkSession per test class, made the way the job makes it. */
public final class TestSpark {
  private TestSpark() {}

  /** {@code master} e.g. {@code local[2]}, or {@code local[2,4]} to let failed tasks be retried. */
  public static SparkSession start(String master) {
    System.setProperty("spark.master", master);
    return SparkSessions.getOrCreate("geoswap-it", Map.of());
  }

  public static void stop(SparkSession spark) {
    if (spark != null) spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    System.clearProperty("spark.master");
  }
}
