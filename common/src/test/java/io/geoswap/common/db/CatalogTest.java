package io.geoswap.common.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Schema drift: which tables can replace a view's columns (CREATE OR REPLACE VIEW may only append). */
class CatalogTest {
  private static Catalog.Column col(String name, String type) {
    return new Catalog.Column(name, type, type.replaceAll("\\(.*", ""));
  }

  private static final List<Catalog.Column> VIEW = List.of(col("zone_id", "integer"), col("events", "bigint"),
      col("geom", "geometry(Polygon,4326)"));

  @Test
  void theSameColumnsOrAppendedOnesCanReplaceTheView() {
    assertThat(Catalog.driftProblems(VIEW, VIEW)).isEmpty();
    List<Catalog.Column> appended = new java.util.ArrayList<>(VIEW);
    appended.add(col("area", "double precision"));
    assertThat(Catalog.driftProblems(VIEW, appended)).isEmpty();
    assertThat(Catalog.driftProblems(List.of(), VIEW)).as("no view yet").isEmpty();
  }

  @Test
  void aMissingColumnIsNamedWithItsPosition() {
    assertThat(Catalog.driftProblems(VIEW, VIEW.subList(0, 2)))
        .containsExactly("column 3 (geom geometry(Polygon,4326)) is missing");
  }

  @Test
  void aChangedTypeIsNamedWithBothTypes() {
    assertThat(Catalog.driftProblems(VIEW, List.of(col("zone_id", "integer"), col("events", "integer"),
        col("geom", "geometry(Polygon,4326)"))))
        .containsExactly("column events changed type from bigint to integer");
  }

  @Test
  void reorderedColumnsAreToldApartFromRenamedOnes() {
    assertThat(Catalog.driftProblems(VIEW, List.of(col("events", "bigint"), col("zone_id", "integer"),
        col("geom", "geometry(Polygon,4326)"))))
        .containsExactly("column 1 was zone_id integer, now events bigint (zone_id moved: columns were reordered)",
            "column 2 was events bigint, now zone_id integer (events moved: columns were reordered)");
    assertThat(Catalog.driftProblems(VIEW, List.of(col("zone", "integer"), col("events", "bigint"),
        col("geom", "geometry(Polygon,4326)"))))
        .containsExactly("column 1 was zone_id integer, now zone integer (zone_id was dropped or renamed)");
  }
}
