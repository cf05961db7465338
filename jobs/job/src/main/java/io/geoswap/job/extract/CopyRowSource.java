package io.geoswap.job.extract;

import io.geoswap.common.db.DbSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Rows from binary COPY, one statement per partition (see {@link CopyExtract}).
 *
 * @param ranges per partition, its condition on the partition column
 * @param selects per column, its select-list expression and the PostgreSQL type that sends
 */
record CopyRowSource(DbSettings db, String table, String where, List<String> ranges, Map<String, String[]> selects)
    implements RowSource {
  @Override
  public int partitions() {
    return ranges.size();
  }

  @Override
  public JavaRDD<Object[]> read(JavaSparkContext jsc, List<ScanColumn> columns) {
    List<String> select = new ArrayList<>();
    List<String> pg = new ArrayList<>();
    List<DataType> types = new ArrayList<>();
    for (ScanColumn c : columns) {
      select.add(selects.get(c.name())[0]);
      pg.add(selects.get(c.name())[1]);
      types.add(c.geometry() ? DataTypes.BinaryType : c.type());
    }
    // A query that needs no column (a count) still reads one: COPY needs a select list.
    String list = select.isEmpty() ? "NULL" : String.join(", ", select);
    int width = columns.size();
    CopyExtract.Decoder[] decoders = width == 0 ? new CopyExtract.Decoder[] {(in, len) -> null}
        : CopyExtract.decoders(pg, types);
    List<String> copies = ranges.stream().map(r -> "COPY (SELECT " + list + " FROM " + table + " WHERE "
        + (where == null ? "" : "(" + where + ") AND ") + r + ") TO STDOUT (FORMAT binary)").toList();
    return jsc.parallelize(copies, copies.size()).mapPartitions(new CopyPartition(db, decoders, width));
  }

  /** One partition's COPY, on an executor. */
  private record CopyPartition(DbSettings db, CopyExtract.Decoder[] decoders, int width)
      implements FlatMapFunction<Iterator<String>, Object[]> {
    @Override
    public Iterator<Object[]> call(Iterator<String> copy) throws Exception {
      if (!copy.hasNext()) return Collections.emptyIterator();
      Iterator<Object[]> rows = CopyExtract.stream(db, copy.next(), decoders);
      if (width > 0) return rows;
      return new Iterator<>() { // a count: rows of no columns
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Object[] next() {
          rows.next();
          return new Object[0];
        }
      };
    }
  }
}
