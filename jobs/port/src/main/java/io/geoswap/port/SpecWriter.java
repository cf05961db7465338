package io.geoswap.port;

import io.geoswap.port.MatviewCatalog.Column;
import io.geoswap.port.MatviewCatalog.Index;
import io.geoswap.port.MatviewCatalog.Matview;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pipeline spec for a ported view, as YAML text in the style of pipelines/*.yaml (flow mappings, one
 * source a line). Its choices: the key from the view's unique index, the geometry from the typmods, the
 * indexes from the view's, each source's {@code partition_column} from an integer primary key and
 * {@code partitions} from its size, predicates moved by the port as its {@code where}; target view = the
 * materialized view itself (what verify and adopt then take over).
 */
public final class SpecWriter {
  /** A source smaller than this is read as Spark's default parallelism splits it (no partitions key). */
  static final long PARTITION_BYTES = 128L << 20;

  private SpecWriter() {}

  /** The spec's choices, before they become text: also what the report explains. */
  public record Plan(String name, List<String> key, Column geometry, List<Index> indexes, List<String> notes) {}

  /** The key: the view's unique index on plain columns with the fewest columns; null when it has none. */
  static List<String> key(Matview mv) {
    return mv.indexes().stream().filter(i -> i.unique() && i.columns() != null)
        .min(Comparator.comparingInt((Index i) -> i.columns().size()).thenComparing(Index::name))
        .map(Index::columns).orElse(null);
  }

  public static Plan plan(Matview mv, String name) {
    List<String> notes = new ArrayList<>();
    List<String> key = key(mv);
    List<Column> geoms = mv.columns().stream().filter(c -> c.isGeometry() && c.srid() > 0).toList();
    Column geometry = null;
    if (!geoms.isEmpty()) {
      geometry = geoms.stream().filter(g -> mv.indexes().stream().anyMatch(i -> "gist".equals(i.method())
          && List.of(g.name()).equals(i.columns()))).findFirst().orElse(geoms.get(0));
      if (geoms.size() > 1) notes.add("several geometry columns: target.geometry declares " + geometry.name()
          + " (the one with a GiST index, else the first); the others are typed from their data");
    }
    for (Column c : mv.columns()) {
      if (c.isGeometry() && c.srid() == 0) notes.add("geometry column " + c.name() + " has no typmod (SRID): no"
          + " target.geometry for it; the job types it geometry(Geometry, srid) from its data");
    }
    List<Index> indexes = new ArrayList<>();
    for (Index i : mv.indexes()) {
      if (i.columns() == null) {
        notes.add("index " + i.name() + " has an expression or a predicate: not in the spec (target.indexes takes"
            + " plain columns); create it after adopt if readers need it");
      } else if (!(i.unique() && i.columns().equals(key))) {
        indexes.add(i);
      }
    }
    return new Plan(name, key, geometry, indexes, notes);
  }

  public static String yaml(Matview mv, Plan plan, SqlPort.Result port) {
    StringBuilder b = new StringBuilder();
    b.append("# Written by `geoswap init --from-matview ").append(mv.schema()).append('.').append(mv.name())
        .append("`: the view's query is ported to\n# ").append(plan.name()).append(".sql; every choice and translation is in ")
        .append(plan.name()).append(".port.md. Run it with --no-promote,\n# then verify and adopt (README, \"Migrating a materialized view\").\n");
    b.append("name: ").append(plan.name()).append('\n');
    b.append("target:\n");
    b.append("  schema: ").append(mv.schema()).append('\n');
    b.append("  view: ").append(mv.name()).append('\n');
    b.append("  key: ").append(flowList(plan.key())).append('\n');
    if (plan.geometry() != null) {
      Column g = plan.geometry();
      b.append("  geometry: {column: ").append(g.name()).append(", srid: ").append(g.srid()).append(", type: ")
          .append(g.geometryType()).append("}\n");
    }
    if (!plan.indexes().isEmpty()) {
      b.append("  indexes:\n");
      for (Index i : plan.indexes()) {
        b.append("    - {columns: ").append(flowList(i.columns()));
        if (!"btree".equals(i.method())) b.append(", method: ").append(i.method());
        b.append("}\n");
      }
    }
    b.append("sources:\n");
    for (SqlPort.Source s : port.sources()) {
      b.append("  ").append(s.alias()).append(": {table: ").append(s.table().schema()).append('.').append(s.table().name());
      String part = s.table().integerKey();
      if (part != null) {
        b.append(", partition_column: ").append(part);
        if (s.table().bytes() > PARTITION_BYTES) b.append(", partitions: ").append(partitions(s.table().bytes()));
      }
      if (!s.where().isEmpty()) b.append(", where: ").append(quoted(String.join(" AND ", s.where())));
      b.append("}\n");
    }
    b.append("transform: ").append(plan.name()).append(".sql\n");
    b.append("on_invalid_geometry: ").append(port.makeValid() ? "make_valid" : "fail").append('\n');
    b.append("checks:\n  min_rows: 1\n");
    return b.toString();
  }

  /** One range per 128 MiB of table (COPY streams each range; Spark schedules them). */
  static int partitions(long bytes) {
    return (int) Math.min(10_000, Math.max(1, (bytes + PARTITION_BYTES - 1) / PARTITION_BYTES));
  }

  private static String flowList(List<String> items) {
    return "[" + String.join(", ", items) + "]";
  }

  /** A YAML double-quoted scalar. */
  static String quoted(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
