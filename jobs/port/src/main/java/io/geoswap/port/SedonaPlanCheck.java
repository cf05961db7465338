package io.geoswap.port;

import io.geoswap.common.GeoswapException;
import io.geoswap.job.transform.TransformPlan;
import io.geoswap.port.MatviewCatalog.Column;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sedona_sql.UDT.GeometryUDT;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Plans the ported SQL in Sedona before it is written: each source is an empty DataFrame with its
 * table's columns (as the job reads them), registered under its alias, and the SQL goes through the
 * job's own {@link TransformPlan} (one query, no Java calls, analysed). An unknown function, a wrong
 * argument type or a missing column fails here, with Spark's message, instead of in the first run.
 * Then the result's columns are compared with the view's by name.
 */
public final class SedonaPlanCheck {
  private SedonaPlanCheck() {}

  /** What planning found: the result's columns ({@code name type}) and the column types readers will see change. */
  public record Planned(String columns, List<String> typeChanges) {}

  /** Plans the port; exit 3 when it doesn't plan or its columns differ from the view's. */
  public static Planned check(SparkSession spark, SqlPort.Result port, List<Column> viewColumns, String location) {
    for (SqlPort.Source s : port.sources()) {
      List<StructField> fields = new ArrayList<>();
      for (Column c : s.table().columns()) fields.add(DataTypes.createStructField(c.name(), sparkType(c), true));
      spark.createDataFrame(List.<Row>of(), new StructType(fields.toArray(StructField[]::new)))
          .createOrReplaceTempView(s.alias());
    }
    Dataset<Row> planned;
    try {
      planned = TransformPlan.plan(spark, port.sql(), location);
    } catch (GeoswapException e) {
      throw GeoswapException.data("the ported SQL does not plan in Sedona: " + e.getMessage(), e);
    }
    List<String> got = new ArrayList<>();
    List<String> described = new ArrayList<>();
    for (StructField f : planned.schema().fields()) {
      got.add(f.name());
      described.add(f.name() + " " + f.dataType().simpleString());
    }
    List<String> want = viewColumns.stream().map(Column::name).toList();
    if (!got.equals(want)) {
      throw GeoswapException.data("the ported SQL's columns " + got + " are not the view's " + want);
    }
    return new Planned(String.join(", ", described), typeChanges(planned.schema(), viewColumns));
  }

  /**
   * Columns whose PostgreSQL type the version's table gets (as the job creates it, {@code PgTypes}) is not
   * the view's: after adopt, readers see the new type (verify compares numbers as numbers, so it matches).
   * Geometry columns are left out: the spec's geometry declares the view's typmod.
   */
  static List<String> typeChanges(StructType result, List<Column> viewColumns) {
    List<String> out = new ArrayList<>();
    for (StructField f : result.fields()) {
      Column view = viewColumns.stream().filter(c -> c.name().equals(f.name())).findFirst().orElse(null);
      if (view == null || view.isGeometry()) continue;
      String ours = io.geoswap.job.load.PgTypes.pgType(f.dataType(), null);
      String theirs = view.pgType().replace("timestamp with time zone", "timestamptz")
          .replace("timestamp without time zone", "timestamp");
      if (ours != null && !ours.equals(theirs)) {
        out.add(f.name() + ": " + view.pgType() + " in the view, " + ours + " in the version");
      }
    }
    return out;
  }

  /** A PostgreSQL column's type as the job's read gives it to Spark (geometry as Sedona's UDT). */
  static DataType sparkType(Column c) {
    return switch (c.typname()) {
      case "geometry" -> new GeometryUDT();
      case "int2" -> DataTypes.ShortType;
      case "int4" -> DataTypes.IntegerType;
      case "int8" -> DataTypes.LongType;
      case "float4" -> DataTypes.FloatType;
      case "float8" -> DataTypes.DoubleType;
      case "numeric" -> DataTypes.createDecimalType(38, 18);
      case "bool" -> DataTypes.BooleanType;
      case "date" -> DataTypes.DateType;
      case "timestamp", "timestamptz" -> DataTypes.TimestampType;
      default -> DataTypes.StringType;
    };
  }
}
