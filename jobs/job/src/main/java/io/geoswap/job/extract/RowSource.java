package io.geoswap.job.extract;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/** Where a source's rows come from: per partition, the values of {@code columns} (geometries as EWKB bytes). */
interface RowSource {
  int partitions();

  JavaRDD<Object[]> read(JavaSparkContext jsc, List<ScanColumn> columns);
}
