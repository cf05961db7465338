package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.common.spec.SpecFiles;
import io.geoswap.common.spec.SpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The written spec loads as the job and swap-task load it, with the choices taken from the catalog. */
class SpecWriterTest {
  @TempDir Path dir;

  private PipelineSpec written(MatviewCatalog.Matview mv, String name) throws Exception {
    SqlPort.Result port = SqlPort.port(mv);
    Files.writeString(dir.resolve(name + ".sql"), port.sql());
    Files.writeString(dir.resolve(name + ".yaml"), SpecWriter.yaml(mv, SpecWriter.plan(mv, name), port));
    return new SpecLoader(SpecFiles.LOCAL).load(dir.resolve(name + ".yaml").toString());
  }

  @Test
  void keyGeometryAndTargetComeFromTheViewAndPredicatesBecomeTheSourcesWhere() throws Exception {
    PipelineSpec spec = written(Examples.zoneStats(), "zone_stats");
    assertThat(spec.target().schema()).isEqualTo("public");
    assertThat(spec.target().view()).isEqualTo("mv_zone_stats");
    assertThat(spec.target().key()).containsExactly("zone_id");
    assertThat(spec.target().geometry().column()).isEqualTo("geom");
    assertThat(spec.target().geometry().srid()).isEqualTo(4326);
    assertThat(spec.target().geometry().type()).isEqualToIgnoringCase("Polygon");
    PipelineSpec.Source events = spec.sources().get("events");
    assertThat(events.schema() + "." + events.table()).isEqualTo("public.events");
    assertThat(events.partitionColumn()).isEqualTo("id");
    assertThat(events.where()).isEqualTo("ts < '2026-09-01 00:00:00+00'::timestamp with time zone");
    assertThat(spec.onInvalidGeometry()).isEqualTo(PipelineSpec.InvalidGeometryPolicy.FAIL);
  }

  @Test
  void aViewThatRepairsGeometriesGetsTheMakeValidPolicyAndItsOtherIndexes() throws Exception {
    MatviewCatalog.Matview mv = Examples.landUseArea();
    List<MatviewCatalog.Index> indexes = new java.util.ArrayList<>(mv.indexes());
    indexes.add(new MatviewCatalog.Index("mv_lua_geom", List.of("geom"), "gist", false));
    indexes.add(new MatviewCatalog.Index("mv_lua_expr", null, "btree", false));
    mv = new MatviewCatalog.Matview(mv.schema(), mv.name(), mv.definition(), mv.columns(), indexes, mv.tables());
    PipelineSpec spec = written(mv, "land_use_area");
    assertThat(spec.onInvalidGeometry()).isEqualTo(PipelineSpec.InvalidGeometryPolicy.MAKE_VALID);
    assertThat(spec.target().key()).containsExactly("region_id", "season", "land_type");
    assertThat(spec.target().indexes()).singleElement().satisfies(i -> {
      assertThat(i.columns()).containsExactly("geom");
      assertThat(i.method()).isEqualTo("gist");
    });
    assertThat(SpecWriter.plan(mv, "land_use_area").notes()).anySatisfy(n -> assertThat(n).contains("mv_lua_expr"));
  }

  @Test
  void aResultWithoutGeometryHasNoTargetGeometryAndABigSourceIsSplitByItsSize() throws Exception {
    MatviewCatalog.Matview mv = Examples.roadLength();
    MatviewCatalog.Table roads = mv.tables().get(1);
    MatviewCatalog.Table big = new MatviewCatalog.Table(roads.schema(), roads.name(), roads.relkind(), roads.columns(),
        roads.primaryKey(), 1000L << 20);
    mv = new MatviewCatalog.Matview(mv.schema(), mv.name(), mv.definition(), mv.columns(), mv.indexes(),
        List.of(mv.tables().get(0), big));
    PipelineSpec spec = written(mv, "road_length");
    assertThat(spec.target().geometry()).isNull();
    assertThat(spec.sources().get("roads").partitions()).isEqualTo(8);
    assertThat(spec.sources().get("districts").partitions()).isNull();
  }

  @Test
  void aViewWithoutAUniqueIndexHasNoKey() {
    MatviewCatalog.Matview mv = Examples.roadLength();
    mv = new MatviewCatalog.Matview(mv.schema(), mv.name(), mv.definition(), mv.columns(), List.of(), mv.tables());
    assertThat(SpecWriter.plan(mv, "road_length").key()).isNull();
  }
}
