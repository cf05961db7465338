package io.geoswap.swap.compare;

import io.geoswap.swap.compare.ChangeMap.Change;
import io.geoswap.swap.compare.ChangeMap.Shape;
import io.geoswap.swap.compare.ComparisonReport.ColumnResult;
import io.geoswap.swap.compare.ComparisonReport.Example;
import java.util.List;
import java.util.Locale;

/**
 * A comparison as one self-contained HTML page a reviewer reads at a glance: the counts, each column's
 * changes, the biggest changes by key, and a map of what moved (inline SVG). Nothing is fetched when the
 * page is opened: no scripts, fonts or tiles.
 */
public final class ReportPage {
  private ReportPage() {}

  /**
   * @param title e.g. "zone_stats: version 20261202t0300 vs live 20261201t0300"
   * @param verdict one line: passed / failed and why
   */
  public static String render(String title, String verdict, ComparisonReport r, ChangeMap map) {
    StringBuilder h = new StringBuilder(16_384);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>").append(esc(title)).append("</title><style>")
        .append("body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1f2328;max-width:1100px}")
        .append("h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}")
        .append(".verdict{font-weight:600;margin:0 0 16px}.ok{color:#1a7f37}.bad{color:#cf222e}")
        .append(".cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}")
        .append(".card b{display:block;font-size:22px}.card span{color:#57606a;font-size:12px}")
        .append("table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left}")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f6f8fa}")
        .append("svg{border:1px solid #d0d7de;border-radius:6px;background:#fbfcfd}")
        .append(".legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}")
        .append("</style></head><body>\n");
    h.append("<h1>").append(esc(title)).append("</h1>\n");
    h.append("<p class=\"verdict ").append(verdict.startsWith("passed") ? "ok" : "bad").append("\">").append(esc(verdict)).append("</p>\n");

    long added = r.extraKeys().count();
    long removed = r.missingKeys().count();
    h.append("<div class=\"cards\">")
        .append(card(fmt(r.rightRows()), "rows before"))
        .append(card(fmt(r.leftRows()), "rows after"))
        .append(card(fmt(added), "keys added"))
        .append(card(fmt(removed), "keys removed"))
        .append(card(fmt(r.changedRows()), "keys changed"))
        .append(card(String.format(Locale.ROOT, "%.2f%%", r.changedPct()), "of keys added, removed or changed"))
        .append("</div>\n");

    h.append("<h2>What moved</h2>\n");
    if (map == null || map.isEmpty()) {
      h.append("<p>No geometry changed.</p>\n");
    } else {
      svg(h, map);
    }
    h.append("<h2>Columns</h2><table><tr><th>column</th><th>kind</th><th>rows changed</th><th>largest change</th>")
        .append("<th>sum before → after</th><th>sum change</th><th>area of change</th></tr>\n");
    for (ColumnResult c : r.columns()) {
      h.append("<tr><td>").append(esc(c.column())).append("</td><td>").append(c.kind().name().toLowerCase(Locale.ROOT))
          .append("</td><td class=\"n\">").append(fmt(c.differing())).append("</td><td class=\"n\">")
          .append(c.worst() == null ? "" : num(c.worst()) + (c.kind() == ColumnKind.FLOAT ? " (relative)" : ""))
          .append("</td><td class=\"n\">")
          .append(c.sumRight() == null ? "" : num(c.sumRight()) + " → " + num(c.sumLeft()))
          .append("</td><td class=\"n\">")
          .append(c.sumChangePct() == null ? "" : String.format(Locale.ROOT, "%.3f%%", c.sumChangePct()))
          .append("</td><td class=\"n\">").append(c.changedArea() == null ? "" : num(c.changedArea()))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
    if (!r.missingColumns().isEmpty() || !r.extraColumns().isEmpty() || !r.incompatibleColumns().isEmpty()) {
      h.append("<p class=\"bad\">Columns removed: ").append(esc(String.valueOf(r.missingColumns())))
          .append("; added: ").append(esc(String.valueOf(r.extraColumns()))).append("; retyped: ")
          .append(esc(String.valueOf(r.incompatibleColumns()))).append("</p>\n");
    }

    h.append("<h2>Biggest changes</h2><table><tr><th>column</th><th>key</th><th>before</th><th>after</th><th>change</th></tr>\n");
    boolean any = false;
    for (ColumnResult c : r.columns()) {
      for (Example e : c.examples()) {
        any = true;
        h.append("<tr><td>").append(esc(c.column())).append("</td><td>").append(esc(e.key())).append("</td><td>")
            .append(esc(String.valueOf(e.right()))).append("</td><td>").append(esc(String.valueOf(e.left())))
            .append("</td><td class=\"n\">").append(e.difference() == null ? "" : num(e.difference())).append("</td></tr>\n");
      }
    }
    if (!any) h.append("<tr><td colspan=\"5\">no value changed</td></tr>\n");
    h.append("</table>\n");
    keys(h, "Keys added", r.extraKeys());
    keys(h, "Keys removed", r.missingKeys());

    h.append("</body></html>\n");
    return h.toString();
  }

  private static void svg(StringBuilder h, ChangeMap m) {
    double w = Math.max(m.xmax() - m.xmin(), 1e-9);
    double ht = Math.max(m.ymax() - m.ymin(), 1e-9);
    double pad = Math.max(w, ht) * 0.03;
    double stroke = Math.max(w, ht) / 500;
    // ST_AsSVG writes y negated (SVG's axis points down): the view box spans −ymax … −ymin.
    h.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"%d\" "
            + "viewBox=\"%s %s %s %s\" preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"map of changed geometries\">\n",
        (int) Math.min(700, Math.max(250, 1000 * ht / w)), coord(m.xmin() - pad), coord(-m.ymax() - pad), coord(w + 2 * pad),
        coord(ht + 2 * pad)));
    for (Change kind : List.of(Change.CHANGED_OLD, Change.REMOVED, Change.ADDED, Change.CHANGED_NEW)) {
      String style = switch (kind) {
        case CHANGED_OLD -> "fill=\"#afb8c1\" fill-opacity=\"0.55\" stroke=\"#6e7781\"";
        case CHANGED_NEW -> "fill=\"none\" stroke=\"#0969da\"";
        case ADDED -> "fill=\"#2da44e\" fill-opacity=\"0.45\" stroke=\"#1a7f37\"";
        case REMOVED -> "fill=\"#ff8182\" fill-opacity=\"0.45\" stroke=\"#cf222e\"";
      };
      h.append("<g ").append(style).append(" stroke-width=\"").append(coord(stroke)).append("\">\n");
      for (Shape s : m.shapes()) {
        if (s.change() != kind) continue;
        if (s.point()) {
          h.append("<circle ").append(s.svg()).append(" r=\"").append(coord(stroke * 3)).append("\"><title>")
              .append(esc(s.key())).append("</title></circle>\n");
        } else {
          h.append("<path d=\"").append(esc(s.svg())).append("\"><title>").append(esc(s.key())).append("</title></path>\n");
        }
      }
      h.append("</g>\n");
    }
    h.append("</svg>\n<p class=\"legend\"><span><i class=\"sw\" style=\"background:#afb8c1\"></i>before</span>")
        .append("<span><i class=\"sw\" style=\"border:2px solid #0969da\"></i>after</span>")
        .append("<span><i class=\"sw\" style=\"background:#2da44e\"></i>added</span>")
        .append("<span><i class=\"sw\" style=\"background:#ff8182\"></i>removed</span>")
        .append(m.shapes().size() >= ChangeMap.MAX_SHAPES ? "<span>(the first " + ChangeMap.MAX_SHAPES + " of each kind)</span>" : "")
        .append("</p>\n");
  }

  private static void keys(StringBuilder h, String what, ComparisonReport.KeyDifference d) {
    if (d.count() == 0) return;
    h.append("<h2>").append(what).append(" (").append(fmt(d.count())).append(")</h2><p>")
        .append(esc(String.join("; ", d.examples()))).append(d.count() > d.examples().size() ? "; …" : "").append("</p>\n");
  }

  private static String card(String value, String label) {
    return "<div class=\"card\"><b>" + esc(value) + "</b><span>" + esc(label) + "</span></div>";
  }

  private static String fmt(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%,.0f", v).replace(",", " ");
    return String.format(Locale.ROOT, "%.6g", v);
  }

  /** A plain number for SVG attributes (no grouping). */
  private static String coord(double v) {
    return java.math.BigDecimal.valueOf(v).round(new java.math.MathContext(12)).stripTrailingZeros().toPlainString();
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }
}
