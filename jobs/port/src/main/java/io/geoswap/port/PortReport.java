package io.geoswap.port;

import io.geoswap.port.MatviewCatalog.Matview;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The portability report, {@code <name>.port.md}: the spec's choices and where each came from, every
 * construct translated (line of the view's definition, before → after, why), every one that may differ
 * numerically and the verify tolerances that covers, every one refused, and the definition itself with
 * line numbers (what the lines refer to).
 */
public final class PortReport {
  private PortReport() {}

  /** What the report needs beyond the port: the spec plan (null when refused before it), the plan check. */
  public record Outcome(String status, String message, String planned, List<String> typeChanges) {}

  public static String markdown(Matview mv, String name, SpecWriter.Plan plan, SqlPort.Result port, Outcome outcome) {
    String view = mv.schema() + "." + mv.name();
    StringBuilder b = new StringBuilder();
    b.append("# Port of ").append(view).append(" → `").append(name).append("`\n\n");
    b.append("**").append(outcome.status()).append("**: ").append(outcome.message()).append("\n\n");
    if (outcome.planned() != null) b.append("Planned in Sedona against the sources' columns: ").append(outcome.planned()).append("\n\n");
    if (!outcome.typeChanges().isEmpty()) {
      b.append("## Column types that change for readers after adopt\n\n");
      for (String t : outcome.typeChanges()) b.append("- ").append(t).append('\n');
      b.append("\nverify compares numbers as numbers, so these match; cast in the SQL where readers need the view's"
          + " type.\n\n");
    }

    if (plan != null) {
      b.append("## Spec choices (`").append(name).append(".yaml`)\n\n");
      if (plan.key() != null) {
        b.append("- `target.key`: ").append(plan.key()).append(" — the view's unique index\n");
      } else {
        b.append("- `target.key`: **none** — ").append(view).append(" has no unique index on plain columns. Choose the"
            + " columns that identify a row (verify and adopt compare by them), create a unique index on the view"
            + " (`CREATE UNIQUE INDEX ON ").append(view).append(" (…)`), and run init again.\n");
      }
      if (plan.geometry() != null) {
        b.append("- `target.geometry`: ").append(plan.geometry().name()).append(", ").append(plan.geometry().geometryType())
            .append(", SRID ").append(plan.geometry().srid()).append(" — the column's typmod (`").append(plan.geometry().pgType())
            .append("`)\n");
      } else {
        b.append("- `target.geometry`: none — no geometry column with a typmod\n");
      }
      for (MatviewCatalog.Index i : plan.indexes()) {
        b.append("- `target.indexes`: ").append(i.columns()).append(" ").append(i.method()).append(" — index ").append(i.name()).append('\n');
      }
      for (SqlPort.Source s : port.sources()) {
        b.append("- `sources.").append(s.alias()).append("`: ").append(s.table().schema()).append('.').append(s.table().name())
            .append(" (").append(s.table().bytes()).append(" bytes)");
        String part = s.table().integerKey();
        b.append(part != null ? "; `partition_column: " + part + "`, its integer primary key"
            + (s.table().bytes() > SpecWriter.PARTITION_BYTES ? ", `partitions: " + SpecWriter.partitions(s.table().bytes())
                + "` (one per 128 MiB)" : " (partitions: Spark's default, the table is under 128 MiB)")
            : "; read in one partition (no integer primary key)");
        if (!s.where().isEmpty()) b.append("; `where: ").append(String.join(" AND ", s.where())).append('`');
        b.append('\n');
      }
      if (port.makeValid()) b.append("- `on_invalid_geometry: make_valid` — the view repairs a source's geometries with ST_MakeValid\n");
      for (String n : plan.notes()) b.append("- ").append(n).append('\n');
      b.append('\n');
    }

    if (!port.translated().isEmpty()) {
      b.append("## Translated\n\n| line | before (PostgreSQL) | after (Sedona SQL) | why |\n| --- | --- | --- | --- |\n");
      List<SqlPort.Line> byLine = new ArrayList<>(port.translated());
      byLine.sort(java.util.Comparator.comparingInt(SqlPort.Line::line));
      for (SqlPort.Line l : byLine) b.append(row(l.line(), l.before(), l.after(), l.why()));
      b.append('\n');
    }
    if (!port.mayDiffer().isEmpty()) {
      b.append("## May differ numerically\n\n| line | construct | how much |\n| --- | --- | --- |\n");
      for (SqlPort.Line l : port.mayDiffer()) b.append(row(l.line(), l.before(), null, l.why()));
      b.append('\n');
    }
    if (outcome.planned() != null) {
      b.append("## Next\n\n```\n./geoswap run --spec ").append(name).append(".yaml --version p1 --no-promote\n")
          .append(verifyCommand(name, view, port)).append('\n')
          .append("./geoswap adopt --spec ").append(name).append(".yaml --matview ").append(view).append("\n```\n\n");
      if (!port.floatTolerances().isEmpty() || port.geometryTolerance() != null) {
        b.append("The tolerances cover what an overlay computed by JTS (Sedona) instead of GEOS (PostGIS) may differ by"
            + " (FIELD-NOTES), and a transform by GeoTools instead of PROJ (sampled above); try verify's defaults first.\n\n");
      }
    }
    if (port.isRefused()) {
      b.append("## Not translated\n\n| line | construct | why |\n| --- | --- | --- |\n");
      for (SqlPort.Line l : port.refused()) b.append(row(l.line(), l.before(), null, l.why()));
      b.append("\nNo SQL was written: the port refuses rather than write SQL it knows to be wrong.\n\n");
    }
    b.append("## The view's definition (`pg_get_viewdef`)\n\n```sql\n");
    String[] lines = mv.definition().split("\n", -1);
    for (int i = 0; i < lines.length; i++) b.append(String.format("%3d  %s%n", i + 1, lines[i]));
    b.append("```\n");
    return b.toString();
  }

  /** The verify command with the tolerances the port's overlays call for. */
  public static String verifyCommand(String name, String view, SqlPort.Result port) {
    List<String> parts = new ArrayList<>(List.of("./geoswap verify --spec " + name + ".yaml --against " + view));
    if (!port.floatTolerances().isEmpty()) {
      List<String> t = new ArrayList<>();
      for (Map.Entry<String, Double> e : port.floatTolerances().entrySet()) t.add(e.getKey() + "=" + e.getValue());
      parts.add("--tolerance " + String.join(",", t));
    }
    if (port.geometryTolerance() != null) parts.add("--geometry-tolerance " + port.geometryTolerance());
    return String.join(" ", parts);
  }

  private static String row(int line, String a, String b, String c) {
    StringBuilder r = new StringBuilder("| ").append(line).append(" | `").append(cell(a)).append("` | ");
    if (b != null) r.append('`').append(cell(b)).append("` | ");
    return r.append(cell(c)).append(" |\n").toString();
  }

  private static String cell(String s) {
    return s == null ? "" : s.replace("\n", " ").replace("|", "\\|");
  }
}
