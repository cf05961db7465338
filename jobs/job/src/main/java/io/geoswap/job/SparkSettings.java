package io.geoswap.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Spark settings geoswap's job runs with, written once: {@link SparkSessions} applies them to the
 * session it builds; the launcher passes them to spark-submit and EMR Serverless, where what configures
 * the JVMs themselves must be set before they start. Class names as text: the launcher loads no Spark.
 */
public final class SparkSettings {
  private SparkSettings() {}

  /**
   * Sedona's geometries serialize far smaller and faster with its Kryo registrator (Sedona docs, "Set up
   * Spark cluster" → "Kryo serializer").
   */
  public static final Map<String, String> KRYO = kryo();

  /**
   * JTS 1.20's RelateNG (in Sedona's shaded jar) for ST_Intersects/ST_Touches/…: same answers, much less CPU
   * on overlays. JTS reads it once, when its relate class loads: a JVM flag on driver and executors, not a
   * session setting (jvm/spark-java17.args carries it for local JVMs; SparkSettingsTest holds the two together).
   */
  public static final String JTS_RELATE_NG = "-Djts.relate=ng";

  private static Map<String, String> kryo() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    m.put("spark.kryo.registrator", "org.apache.sedona.core.serde.SedonaKryoRegistrator");
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * What a submitted job gets as {@code --conf key=value}: Kryo, no telemetry ping from Sedona on the
   * executors, RelateNG on driver and executors.
   */
  public static List<String> submitted() {
    List<String> conf = new ArrayList<>();
    KRYO.forEach((k, v) -> conf.add(k + "=" + v));
    conf.add("spark.executorEnv.SCARF_NO_ANALYTICS=true");
    conf.add("spark.driver.extraJavaOptions=" + JTS_RELATE_NG);
    conf.add("spark.executor.extraJavaOptions=" + JTS_RELATE_NG);
    return conf;
  }
}
