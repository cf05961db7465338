package io.geoswap.job.extract;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What a scan of a source found, for one partition or summed over all: rows, rows left out, and per
 * geometry column (in {@link #geometries} order) NULL, invalid and repaired geometries, the SRIDs seen and
 * the first offending rows ({@code id=7 (NULL geometry)}, at most {@link #SAMPLE_KEYS}).
 */
final class ScanFigures implements Serializable {
  /** How many offending rows a message names. */
  static final int SAMPLE_KEYS = 5;

  final List<String> geometries;
  long rows;
  long dropped;
  /**
   * Time the partition's task spent inside the scan: reading the COPY stream (or JDBC rows), decoding them,
   * checking their geometries. What the job reports as its extract time, apart from the transform's own.
   */
  long scanNanos;
  final long[] nulls;
  final long[] invalid;
  final long[] repaired;
  final Integer[] minSrid;
  final Integer[] maxSrid;
  final List<List<String>> nullSamples = new ArrayList<>();
  final List<List<String>> invalidSamples = new ArrayList<>();

  ScanFigures(List<String> geometries) {
    this.geometries = geometries;
    int n = geometries.size();
    nulls = new long[n];
    invalid = new long[n];
    repaired = new long[n];
    minSrid = new Integer[n];
    maxSrid = new Integer[n];
    for (int i = 0; i < n; i++) {
      nullSamples.add(new ArrayList<>());
      invalidSamples.add(new ArrayList<>());
    }
  }

  void srid(int g, int srid) {
    if (minSrid[g] == null || srid < minSrid[g]) minSrid[g] = srid;
    if (maxSrid[g] == null || srid > maxSrid[g]) maxSrid[g] = srid;
  }

  /** Geometries repaired, over every column. */
  long repairedTotal() {
    long n = 0;
    for (long r : repaired) n += r;
    return n;
  }

  void addAll(ScanFigures o) {
    rows += o.rows;
    dropped += o.dropped;
    scanNanos += o.scanNanos;
    for (int g = 0; g < geometries.size(); g++) {
      nulls[g] += o.nulls[g];
      invalid[g] += o.invalid[g];
      repaired[g] += o.repaired[g];
      if (o.minSrid[g] != null) srid(g, o.minSrid[g]);
      if (o.maxSrid[g] != null) srid(g, o.maxSrid[g]);
      sample(nullSamples.get(g), o.nullSamples.get(g));
      sample(invalidSamples.get(g), o.invalidSamples.get(g));
    }
  }

  private static void sample(List<String> into, List<String> from) {
    for (String s : from) if (into.size() < SAMPLE_KEYS) into.add(s);
  }
}
