package io.geoswap.job.extract;

import io.geoswap.job.extract.GeometryPolicy.RowFate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.sedona.common.Constructors;
import org.apache.sedona.common.Functions;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.ParseException;

/**
 * One partition of a source's scan, on an executor. Per row: parse each geometry (ST_GeomFromWKB's parser),
 * note its SRID, test it (ST_IsValid's test) and apply the {@link GeometryPolicy} (ST_MakeValid's repair),
 * so the transform gets what the SQL functions would have given it; then the required columns, geometries
 * in Sedona's serialized form. What it finds goes to the source's {@link FiguresAccumulator} once the
 * partition is read to its end.
 */
final class GeometryScan implements Function2<Integer, Iterator<Object[]>, Iterator<InternalRow>> {
  private final int[] geometries;
  private final String[] geometryNames;
  private final int[] out;
  /** Per output column, its slot among the geometries, or -1. */
  private final int[] outGeometry;
  private final int[] keys;
  private final String[] keyNames;
  private final DataType[] keyTypes;
  private final GeometryPolicy policy;
  private final FiguresAccumulator figures;
  private final GeometryUDT udt = new GeometryUDT();

  /**
   * @param read the columns the rows hold, in order
   * @param out per output column, its index in {@code read}
   * @param keys the indexes in {@code read} of the columns that name a row in samples (-1: not read)
   */
  GeometryScan(List<ScanColumn> read, int[] out, int[] keys, GeometryPolicy policy, FiguresAccumulator figures) {
    List<Integer> g = new ArrayList<>();
    for (int i = 0; i < read.size(); i++) if (read.get(i).geometry()) g.add(i);
    this.geometries = g.stream().mapToInt(Integer::intValue).toArray();
    this.geometryNames = g.stream().map(i -> read.get(i).name()).toArray(String[]::new);
    this.out = out;
    this.outGeometry = new int[out.length];
    for (int i = 0; i < out.length; i++) outGeometry[i] = g.indexOf(out[i]);
    this.keys = Arrays.stream(keys).filter(k -> k >= 0).toArray();
    this.keyNames = Arrays.stream(this.keys).mapToObj(k -> read.get(k).name()).toArray(String[]::new);
    this.keyTypes = Arrays.stream(this.keys).mapToObj(k -> read.get(k).type()).toArray(DataType[]::new);
    this.policy = policy;
    this.figures = figures;
  }

  @Override
  public Iterator<InternalRow> call(Integer partition, Iterator<Object[]> in) {
    ScanFigures st = new ScanFigures(Arrays.asList(geometryNames));
    Geometry[] parsed = new Geometry[geometries.length];
    return new Iterator<>() {
      private InternalRow next;
      private boolean reported;

      @Override
      public boolean hasNext() {
        if (next != null) return true;
        // Whole-stage code pulls rows through here between its own work, so only the time inside this call
        // is the scan's (two clock reads a row: ~50 ns, about 1% of reading a row).
        long t0 = System.nanoTime();
        try {
          while (next == null) {
            if (!in.hasNext()) {
              // Reported only when read to the end: a partial read must not pass for the whole partition.
              st.scanNanos += System.nanoTime() - t0;
              t0 = System.nanoTime();
              if (!reported) figures.add(Map.entry(partition, st));
              reported = true;
              return false;
            }
            next = check(in.next(), st, parsed);
          }
          return true;
        } finally {
          st.scanNanos += System.nanoTime() - t0;
        }
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) throw new NoSuchElementException();
        InternalRow r = next;
        next = null;
        return r;
      }
    };
  }

  /** The row as the transform sees it, or null when the policy leaves it out. */
  private InternalRow check(Object[] values, ScanFigures st, Geometry[] parsed) {
    st.rows++;
    boolean keep = true;
    for (int g = 0; g < geometries.length; g++) {
      byte[] ewkb = (byte[]) values[geometries[g]];
      if (ewkb == null) {
        st.nulls[g]++;
        if (st.nullSamples.get(g).size() < ScanFigures.SAMPLE_KEYS) st.nullSamples.get(g).add(sample(values, "NULL geometry"));
        if (policy.ofNull() == RowFate.LEAVE_OUT) keep = false;
        continue;
      }
      Geometry geom;
      try {
        geom = Constructors.geomFromWKB(ewkb);
      } catch (ParseException e) {
        throw new IllegalStateException("column " + geometryNames[g] + ": unreadable WKB: " + e.getMessage(), e);
      }
      st.srid(g, geom.getSRID());
      if (!Functions.isValid(geom)) {
        st.invalid[g]++;
        if (st.invalidSamples.get(g).size() < ScanFigures.SAMPLE_KEYS) {
          st.invalidSamples.get(g).add(sample(values, Functions.isValidReason(geom)));
        }
        switch (policy.ofInvalid()) {
          case REPAIR -> {
            st.repaired[g]++;
            geom = Functions.makeValid(geom, false);
          }
          case LEAVE_OUT -> keep = false;
          case KEEP -> { }
        }
      }
      parsed[g] = geom;
    }
    if (!keep) {
      st.dropped++;
      return null;
    }
    Object[] row = new Object[out.length];
    for (int i = 0; i < out.length; i++) {
      row[i] = outGeometry[i] >= 0 ? udt.serialize(parsed[outGeometry[i]]) : values[out[i]];
    }
    return new GenericInternalRow(row);
  }

  /** {@code id=7 (reason)}, as the messages name offending rows. */
  private String sample(Object[] values, String reason) {
    if (keys.length == 0) return reason;
    StringBuilder s = new StringBuilder();
    for (int k = 0; k < keys.length; k++) {
      if (k > 0) s.append(',');
      Object v = values[keys[k]];
      if (v != null && keyTypes[k].equals(DataTypes.TimestampType)) {
        v = Instant.EPOCH.plus((Long) v, ChronoUnit.MICROS);
      }
      s.append(keyNames[k]).append('=').append(v);
    }
    return s.append(" (").append(reason).append(')').toString();
  }
}
