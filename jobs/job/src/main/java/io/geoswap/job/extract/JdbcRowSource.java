package io.geoswap.job.extract;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;

/** Rows from Spark's JDBC source (column types COPY has no decoder for); the read is pruned the same way. */
record JdbcRowSource(Dataset<Row> jdbc, int partitions) implements RowSource {
  @Override
  public JavaRDD<Object[]> read(JavaSparkContext jsc, List<ScanColumn> columns) {
    String[] names = columns.stream().map(c -> "`" + c.name() + "`").toArray(String[]::new);
    Dataset<Row> pruned = columns.isEmpty() ? jdbc.selectExpr("1 AS one") : jdbc.selectExpr(names);
    DataType[] types = Arrays.stream(pruned.schema().fields()).map(StructField::dataType).toArray(DataType[]::new);
    int width = columns.size();
    return pruned.queryExecution().toRdd().toJavaRDD().map(scanned -> {
      InternalRow r = scanned.copy(); // the scan reuses its row buffer, and strings point into it
      Object[] v = new Object[width];
      for (int i = 0; i < width; i++) v[i] = r.isNullAt(i) ? null : r.get(i, types[i]);
      return v;
    });
  }
}
