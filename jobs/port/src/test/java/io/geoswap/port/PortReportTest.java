package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report: choices with their origin, translations by line, the verify command, the numbered definition. */
class PortReportTest {
  @Test
  void aPortedViewsReportListsChoicesTranslationsByLineTheVerifyCommandAndTheNumberedDefinition() {
    MatviewCatalog.Matview mv = Examples.landUseArea();
    SqlPort.Result port = SqlPort.port(mv);
    String md = PortReport.markdown(mv, "land_use_area", SpecWriter.plan(mv, "land_use_area"), port,
        new PortReport.Outcome("Ported", "written.", "region_id int, …", List.of("area_m2: numeric in the view, double precision in the version")));
    assertThat(md).contains("# Port of public.mv_land_use_area → `land_use_area`",
        "- `target.key`: [region_id, season, land_type] — the view's unique index",
        "- `on_invalid_geometry: make_valid`",
        "| 4 | `st_makevalid(land_use.geom)` | `land_use.geom` |",
        "./geoswap verify --spec land_use_area.yaml --against public.mv_land_use_area --tolerance area_m2=1.0E-6",
        "## Column types that change for readers after adopt", "area_m2: numeric in the view",
        " 10      st_area(st_transform(st_union(st_intersection(lu.geom, r.geom)), 3035)) AS area_m2,");
    assertThat(md.indexOf("| 4 |")).isLessThan(md.indexOf("| 10 |")); // rows by line
    assertThat(md).doesNotContain("## Not translated");
  }

  @Test
  void aRefusedPortsReportNamesTheConstructAndItsLineAndSaysNoSqlWasWritten() {
    MatviewCatalog.Matview mv = Examples.over(" SELECT z.zone_id,\n    my_area(z.geom) AS a\n   FROM zones z;");
    SqlPort.Result port = SqlPort.port(mv);
    String md = PortReport.markdown(mv, "x", SpecWriter.plan(mv, "x"), port,
        new PortReport.Outcome("Not ported", "1 construct(s) not translated", null, List.of()));
    assertThat(md).contains("**Not ported**", "| 2 | `my_area(…)` |", "No SQL was written", "`target.key`: **none**")
        .doesNotContain("## Next");
  }
}
