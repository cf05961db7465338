package io.geoswap.job.load;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.spec.PipelineSpec.GeometryColumn;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/** Maps the transform's result columns to PostgreSQL column definitions. */
public final class PgTypes {
  private PgTypes() {}

  /**
   * One {@code "name" type} per result column. The spec's geometry column becomes a typed PostGIS column
   * ({@code geometry(Polygon,4326)}); any other geometry column {@code geometry(Geometry,srid)} with the
   * one SRID its data has ({@code otherSrids}; 0 or absent: a plain {@code geometry}).
   */
  public static List<String> columnDefinitions(StructType schema, GeometryColumn geometry,
      java.util.Map<String, Integer> otherSrids, String transformLocation) {
    List<String> defs = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (StructField f : schema.fields()) {
      String problem = Sql.identifierProblem(f.name());
      if (problem != null) {
        problems.add("result column " + problem + ": alias it in the transform (… AS my_name)");
        continue;
      }
      GeometryColumn typed = geometry != null && f.name().equals(geometry.column()) ? geometry
          : otherSrids.getOrDefault(f.name(), 0) > 0 ? new GeometryColumn(f.name(), otherSrids.get(f.name()), "Geometry")
          : null;
      String type = pgType(f.dataType(), typed);
      if (type == null) {
        problems.add("result column " + f.name() + " has Spark type " + f.dataType().simpleString()
            + ", which geoswap can't store: cast it in the transform");
        continue;
      }
      defs.add(Sql.ident(f.name()) + " " + type);
    }
    if (!problems.isEmpty()) {
      throw GeoswapException.usage("transform " + transformLocation + ": " + String.join("; ", problems));
    }
    return defs;
  }

  /** The PostgreSQL type for a Spark type, or null when there is none. */
  public static String pgType(DataType t, GeometryColumn declaredGeometry) {
    if (t instanceof GeometryUDT) {
      return declaredGeometry == null
          ? "geometry"
          : "geometry(" + declaredGeometry.type() + "," + declaredGeometry.srid() + ")";
    }
    if (t instanceof IntegerType) return "integer";
    if (t instanceof LongType) return "bigint";
    if (t instanceof ShortType || t instanceof ByteType) return "smallint";
    if (t instanceof DoubleType) return "double precision";
    if (t instanceof FloatType) return "real";
    if (t instanceof DecimalType d) return "numeric(" + d.precision() + "," + d.scale() + ")";
    if (t instanceof StringType) return "text";
    if (t instanceof BooleanType) return "boolean";
    if (t instanceof DateType) return "date";
    if (t instanceof TimestampType) return "timestamptz";
    if (t instanceof TimestampNTZType) return "timestamp";
    if (t instanceof BinaryType) return "bytea";
    return null;
  }
}
