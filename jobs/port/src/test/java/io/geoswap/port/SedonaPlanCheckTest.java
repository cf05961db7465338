package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The type check after planning: which columns readers will see with another type (no Spark session). */
class SedonaPlanCheckTest {
  private static StructType schema(StructField... f) {
    return new StructType(f);
  }

  @Test
  void aColumnTheVersionTypesOtherwiseThanTheViewIsNamedWithBothTypes() {
    StructType result = schema(DataTypes.createStructField("zone_id", DataTypes.IntegerType, true),
        DataTypes.createStructField("total", DataTypes.LongType, true),
        DataTypes.createStructField("mean", DataTypes.DoubleType, true),
        DataTypes.createStructField("ts", DataTypes.TimestampType, true),
        DataTypes.createStructField("geom", new GeometryUDT(), true));
    List<MatviewCatalog.Column> view = List.of(new MatviewCatalog.Column("zone_id", "integer", "int4", null, 0),
        new MatviewCatalog.Column("total", "numeric", "numeric", null, 0),
        new MatviewCatalog.Column("mean", "numeric", "numeric", null, 0),
        new MatviewCatalog.Column("ts", "timestamp with time zone", "timestamptz", null, 0),
        Examples.geom("geom", "Polygon", 4326));
    assertThat(SedonaPlanCheck.typeChanges(result, view)).containsExactly(
        "total: numeric in the view, bigint in the version", "mean: numeric in the view, double precision in the version");
  }

  @Test
  void sourceColumnsAreReadAsTheJobReadsThem() {
    assertThat(SedonaPlanCheck.sparkType(Examples.geom("g", "Point", 4326))).isInstanceOf(GeometryUDT.class);
    assertThat(SedonaPlanCheck.sparkType(Examples.col("n", "int8"))).isEqualTo(DataTypes.LongType);
    assertThat(SedonaPlanCheck.sparkType(Examples.col("t", "timestamptz"))).isEqualTo(DataTypes.TimestampType);
  }
}
