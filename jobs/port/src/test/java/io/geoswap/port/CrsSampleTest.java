package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;

/** The tolerance a measured CRS difference calls for, and the JVM side of the sample (Sedona's transform). */
class CrsSampleTest {
  @Test
  void theToleranceIsTenTimesWhatTheSampleSawTwiceForAreasRoundedUpAndNeverUnderVerifysDefault() {
    CrsSample.Measured m = new CrsSample.Measured(100, List.of("t.g"), 0.004, 8.6e-10);
    assertThat(m.tolerance(2)).isEqualTo(2e-8);
    assertThat(m.tolerance(1)).isEqualTo(9e-9);
    assertThat(new CrsSample.Measured(100, List.of("t.g"), 0, 1e-13).tolerance(1)).isEqualTo(1e-9);
    assertThat(new CrsSample.Measured(0, List.of(), 0, 0).tolerance(2)).isZero();
  }

  @Test
  void theJvmSideIsSedonasTransformInLonLatOrder() {
    Geometry p = new GeometryFactory().createPoint(new Coordinate(13, 50));
    Geometry q = CrsSample.transform(p, 4326, 3035);
    // EPSG:3035 (LAEA Europe) puts 13°E 50°N near x 4.56e6, y 3.0e6 metres: easting first.
    assertThat(q.getCoordinate().x).isBetween(4.4e6, 4.7e6);
    assertThat(q.getCoordinate().y).isBetween(2.9e6, 3.1e6);
  }
}
