package io.geoswap.job.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.spec.PipelineSpec.InvalidGeometryPolicy;
import io.geoswap.job.extract.GeometryPolicy.RowFate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class GeometryPolicyTest {
  private static final GeometryPolicy FAIL = new GeometryPolicy(InvalidGeometryPolicy.FAIL);
  private static final GeometryPolicy MAKE_VALID = new GeometryPolicy(InvalidGeometryPolicy.MAKE_VALID);
  private static final GeometryPolicy DROP = new GeometryPolicy(InvalidGeometryPolicy.DROP);

  /** Figures of one geometry column {@code geom}: 100 rows, SRID 4326. */
  private static ScanFigures figures(long nulls, long invalid) {
    ScanFigures s = new ScanFigures(List.of("geom"));
    s.rows = 100;
    s.nulls[0] = nulls;
    s.invalid[0] = invalid;
    s.srid(0, 4326);
    return s;
  }

  /** The same figures, naming the offending rows as a scan with the keys would. */
  private static Supplier<ScanFigures> named(long nulls, long invalid) {
    return () -> {
      ScanFigures s = figures(nulls, invalid);
      for (int i = 1; i <= Math.min(nulls, ScanFigures.SAMPLE_KEYS); i++) s.nullSamples.get(0).add("id=" + i + " (NULL geometry)");
      for (int i = 1; i <= Math.min(invalid, ScanFigures.SAMPLE_KEYS); i++) {
        s.invalidSamples.get(0).add("id=" + (100 + i) + " (Self-intersection)");
      }
      return s;
    };
  }

  private static Supplier<ScanFigures> notAskedFor() {
    return () -> {
      throw new AssertionError("samples read though nothing failed");
    };
  }

  @Test
  void aRowWithANullGeometryIsLeftOutWhateverThePolicy() {
    for (GeometryPolicy p : List.of(FAIL, MAKE_VALID, DROP)) assertThat(p.ofNull()).isEqualTo(RowFate.LEAVE_OUT);
  }

  @Test
  void anInvalidGeometryIsRepairedUnderMakeValidAndItsRowLeftOutOtherwise() {
    assertThat(MAKE_VALID.ofInvalid()).isEqualTo(RowFate.REPAIR);
    assertThat(FAIL.ofInvalid()).isEqualTo(RowFate.LEAVE_OUT);
    assertThat(DROP.ofInvalid()).isEqualTo(RowFate.LEAVE_OUT);
  }

  @Test
  void cleanFiguresPassEveryPolicyWithoutReadingSamples() {
    for (GeometryPolicy p : List.of(FAIL, MAKE_VALID, DROP)) {
      assertThatCode(() -> p.check("source s", figures(0, 0), notAskedFor())).doesNotThrowAnyException();
    }
  }

  @Test
  void underFailABadGeometryIsADataErrorNamingTheFirstOffendingRows() {
    assertThatThrownBy(() -> FAIL.check("source s (public.t)", figures(2, 7), named(2, 7)))
        .isInstanceOfSatisfying(GeoswapException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.DATA.code()))
        .hasMessage("source s (public.t): 7 invalid geometries and 2 NULL geometries in column geom (first: id=101"
            + " (Self-intersection), id=102 (Self-intersection), id=103 (Self-intersection), id=104"
            + " (Self-intersection), id=105 (Self-intersection)); set on_invalid_geometry: make_valid or drop to proceed");
    assertThatThrownBy(() -> FAIL.check("source s", figures(1, 0), named(1, 0)))
        .hasMessage("source s: 1 NULL geometry in column geom (first: id=1 (NULL geometry));"
            + " set on_invalid_geometry: make_valid or drop to proceed");
  }

  @Test
  void makeValidRepairsInvalidGeometriesButCantRepairNull() {
    assertThatCode(() -> MAKE_VALID.check("source s", figures(0, 3), notAskedFor())).doesNotThrowAnyException();
    assertThatThrownBy(() -> MAKE_VALID.check("source s", figures(2, 3), named(2, 3)))
        .isInstanceOfSatisfying(GeoswapException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.DATA.code()))
        .hasMessage("source s: 2 NULL geometries in column geom (first: id=1 (NULL geometry), id=2 (NULL geometry));"
            + " NULL can't be repaired: use on_invalid_geometry: drop");
  }

  @Test
  void dropLetsTheSourceThroughWithoutReadingSamples() {
    assertThatCode(() -> DROP.check("source s", figures(4, 5), notAskedFor())).doesNotThrowAnyException();
  }

  @Test
  void aColumnOfMixedSridsFailsWhateverThePolicyAndBeforeItsOtherChecks() {
    for (GeometryPolicy p : List.of(FAIL, MAKE_VALID, DROP)) {
      ScanFigures s = figures(1, 1);
      s.srid(0, 3857);
      AtomicInteger asked = new AtomicInteger();
      assertThatThrownBy(() -> p.check("source s", s, () -> {
        asked.incrementAndGet();
        return s;
      })).hasMessage("source s: column geom mixes SRIDs (3857 … 4326); transform them to one SRID in the source");
      assertThat(asked).hasValue(0);
    }
  }

  @Test
  void columnsAreCheckedInOrder() {
    ScanFigures s = new ScanFigures(List.of("a", "b"));
    s.srid(0, 4326);
    s.invalid[0] = 1;
    s.srid(1, 4326);
    s.srid(1, 3035);
    assertThatThrownBy(() -> DROP.check("source s", s, notAskedFor())).hasMessageContaining("column b mixes SRIDs");
    assertThatThrownBy(() -> FAIL.check("source s", s, () -> s)).hasMessageContaining("1 invalid geometry in column a");
  }

  @Test
  void figuresAddUpAcrossPartitionsKeepingTheFirstSamples() {
    ScanFigures total = new ScanFigures(List.of("geom"));
    for (int p = 0; p < 3; p++) {
      ScanFigures part = figures(1, 2);
      part.repaired[0] = 2;
      part.srid(0, 4326 + p);
      for (int i = 0; i < 3; i++) part.invalidSamples.get(0).add("p" + p + "r" + i);
      total.addAll(part);
    }
    assertThat(total.rows).isEqualTo(300);
    assertThat(total.nulls[0]).isEqualTo(3);
    assertThat(total.invalid[0]).isEqualTo(6);
    assertThat(total.repairedTotal()).isEqualTo(6);
    assertThat(total.minSrid[0]).isEqualTo(4326);
    assertThat(total.maxSrid[0]).isEqualTo(4328);
    assertThat(total.invalidSamples.get(0)).containsExactly("p0r0", "p0r1", "p0r2", "p1r0", "p1r1");
  }
}
