package io.geoswap.job.extract;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.util.AccumulatorV2;

/**
 * A source's {@link ScanFigures}, partition index → its figures, gathered from the executors. A partition
 * reported again (two scans of one source, a retried task) replaces itself, so it counts once.
 */
final class FiguresAccumulator extends AccumulatorV2<Map.Entry<Integer, ScanFigures>, Map<Integer, ScanFigures>> {
  private final Map<Integer, ScanFigures> byPartition = new HashMap<>();

  @Override
  public boolean isZero() {
    return byPartition.isEmpty();
  }

  @Override
  public FiguresAccumulator copy() {
    FiguresAccumulator s = new FiguresAccumulator();
    synchronized (byPartition) {
      s.byPartition.putAll(byPartition);
    }
    return s;
  }

  @Override
  public void reset() {
    synchronized (byPartition) {
      byPartition.clear();
    }
  }

  @Override
  public void add(Map.Entry<Integer, ScanFigures> e) {
    synchronized (byPartition) {
      byPartition.put(e.getKey(), e.getValue());
    }
  }

  @Override
  public void merge(AccumulatorV2<Map.Entry<Integer, ScanFigures>, Map<Integer, ScanFigures>> other) {
    Map<Integer, ScanFigures> theirs = other.value();
    synchronized (byPartition) {
      byPartition.putAll(theirs);
    }
  }

  @Override
  public Map<Integer, ScanFigures> value() {
    synchronized (byPartition) {
      return new TreeMap<>(byPartition); // in partition order: "the first offending rows" are the first read
    }
  }
}
