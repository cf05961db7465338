package io.geoswap.swap.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.swap.compare.ChangeMap.Change;
import io.geoswap.swap.compare.ChangeMap.Shape;
import io.geoswap.swap.compare.ComparisonReport.ColumnResult;
import io.geoswap.swap.compare.ComparisonReport.Example;
import io.geoswap.swap.compare.ComparisonReport.KeyDifference;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportPageTest {
  private static ComparisonReport report() {
    ColumnResult events = new ColumnResult("events", ColumnKind.INTEGER, 0, 3, 40.0,
        List.of(new Example("zone_id=7", "140", "100", 40.0)), 1040.0, 1000.0, null);
    ColumnResult geom = new ColumnResult("geom", ColumnKind.GEOMETRY, 0, 1, 0.5,
        List.of(new Example("zone_id=<b>", "ST_Polygon (5 points, SRID 4326)", "ST_Polygon (5 points, SRID 4326)", 0.5)),
        null, null, 1.0);
    return new ComparisonReport("public.t_vnew", "public.t_vold", List.of("zone_id"), 101, 100, List.of(), List.of(),
        List.of(), KeyDifference.none(), new KeyDifference(1, List.of("zone_id=101")), KeyDifference.none(),
        KeyDifference.none(), 100, 4, List.of(events, geom), 0.2);
  }

  @Test
  void aReportIsOneSelfContainedPageWithCountsColumnsChangesAndAMap() {
    ChangeMap map = new ChangeMap(List.of(new Shape("zone_id=21", Change.CHANGED_OLD, "M 21 -1 L 22 -1 22 0 21 0 Z"),
        new Shape("zone_id=21", Change.CHANGED_NEW, "M 21.5 -1 L 22.5 -1 22.5 0 21.5 0 Z"),
        new Shape("zone_id=101", Change.ADDED, "cx=\"101\" cy=\"-0.5\"")), 21, 0, 101, 1);
    String html = ReportPage.render("t: version new vs live old", "failed: max_changed_pct", report(), map);
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg", "viewBox=\"18.6 -3.4 84.8 5.8\"",
        "<path d=\"M 21.5 -1 L 22.5 -1 22.5 0 21.5 0 Z\"><title>zone_id=21</title>", "<circle cx=\"101\" cy=\"-0.5\"",
        "keys added", "1 040", "4.000%", "zone_id=&lt;b&gt;", "class=\"verdict bad\"");
    // Nothing to fetch when it is opened: no scripts, stylesheets, images or fonts from elsewhere.
    assertThat(html).doesNotContain("<script", "<link", "<img", "url(", "@import")
        .doesNotContainPattern("(src|href)=\"https?:");
  }

  @Test
  void withoutGeometryChangesThePageSaysSo() {
    String html = ReportPage.render("t", "passed", report(), null);
    assertThat(html).contains("No geometry changed.", "class=\"verdict ok\"").doesNotContain("<svg");
  }
}
