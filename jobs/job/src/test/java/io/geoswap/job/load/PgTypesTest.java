package io.geoswap.job.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.spec.PipelineSpec.GeometryColumn;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class PgTypesTest {
  private static final GeometryColumn GEOM = new GeometryColumn("geom", 4326, "Polygon");

  @Test
  void theDeclaredGeometryColumnIsTyped() {
    StructType s = new StructType().add("id", DataTypes.IntegerType).add("n", DataTypes.LongType)
        .add("area", DataTypes.DoubleType).add("geom", new GeometryUDT()).add("other", new GeometryUDT());
    assertThat(PgTypes.columnDefinitions(s, GEOM, java.util.Map.of(), "t.sql")).containsExactly("\"id\" integer",
        "\"n\" bigint", "\"area\" double precision", "\"geom\" geometry(Polygon,4326)", "\"other\" geometry");
  }

  @Test
  void withoutADeclaredGeometryEachGeometryColumnIsTypedByTheSridOfItsData() {
    StructType s = new StructType().add("id", DataTypes.IntegerType).add("centre", new GeometryUDT())
        .add("outline", new GeometryUDT()).add("length_m", DataTypes.DoubleType);
    assertThat(PgTypes.columnDefinitions(s, null, java.util.Map.of("centre", 3035, "outline", 0), "t.sql"))
        .containsExactly("\"id\" integer", "\"centre\" geometry(Geometry,3035)", "\"outline\" geometry",
            "\"length_m\" double precision");
  }

  @Test
  void unsafeOrUnstorableColumnsAreAllReportedWithAHint() {
    StructType s = new StructType().add("count(1)", DataTypes.LongType)
        .add("tags", DataTypes.createArrayType(DataTypes.StringType)).add("geom", new GeometryUDT());
    assertThatThrownBy(() -> PgTypes.columnDefinitions(s, GEOM, java.util.Map.of(), "t.sql"))
        .hasMessageContaining("transform t.sql")
        .hasMessageContaining("'count(1)' is not a safe identifier").hasMessageContaining("alias it")
        .hasMessageContaining("tags has Spark type array<string>");
  }
}
