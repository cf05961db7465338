package io.geoswap.swap.compare;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Sql;
import io.geoswap.common.db.Catalog;
import io.geoswap.swap.compare.ComparisonReport.ColumnResult;
import io.geoswap.swap.compare.ComparisonReport.Example;
import io.geoswap.swap.compare.ComparisonReport.KeyDifference;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Compares two relations of one database by key, in PostgreSQL: one aggregate pass over a FULL JOIN on the
 * key (rows, keys on one side only, sums, every column's differences), GROUP BY for duplicates unless a
 * unique index on the key rules them out, so a 10M-row relation never travels to Java; example keys are
 * read only for the kinds of difference found, at most {@link #EXAMPLES} each. The caller runs it inside one READ ONLY transaction
 * (REPEATABLE READ, so every query sees the same data). Tolerances are bound as parameters; identifiers go
 * through {@link Sql}.
 */
public final class RelationComparison {
  public static final int EXAMPLES = 5;
  /** Marks which side of the FULL JOIN a row came from (NULL on the other side; a key may itself be NULL). */
  private static final String LEFT_MARK = "geoswap_in_left";
  private static final String RIGHT_MARK = "geoswap_in_right";

  /** A table, view or materialized view. */
  public record Relation(String schema, String name) {
    public Relation {
      Sql.ident(schema);
      Sql.ident(name);
    }

    /** {@code schema.name} as a user writes it; every part a safe identifier, else a usage error. */
    public static Relation parse(String text, String option) {
      String[] parts = text == null ? new String[0] : text.split("\\.", -1);
      if (parts.length != 2 || Sql.identifierProblem(parts[0]) != null || Sql.identifierProblem(parts[1]) != null) {
        throw GeoswapException.usage(option + ": '" + text + "' is not SCHEMA.RELATION (lower-case identifiers)");
      }
      return new Relation(parts[0], parts[1]);
    }

    String sql() {
      return Sql.qualified(schema, name);
    }

    @Override
    public String toString() {
      return schema + "." + name;
    }
  }

  record Col(String name, String typname) {}

  /** A column compared on both sides ({@code l} and {@code r}), with how. */
  record Compared(String name, ColumnKind kind, double tolerance, boolean geography) {
    String l() {
      return cast("l");
    }

    String r() {
      return cast("r");
    }

    private String cast(String side) {
      String q = side + "." + Sql.ident(name);
      return switch (kind) {
        case FLOAT -> q + "::float8";
        case GEOMETRY -> geography ? q + "::geometry" : q;
        default -> q;
      };
    }

    /** True where the two values differ; {@code ?} parameters: {@link #parameters()}. */
    String differs() {
      String l = l();
      String r = r();
      return switch (kind) {
        case EXACT, INTEGER -> "(" + l + " IS DISTINCT FROM " + r + ")";
        // Relative: |a − b| > t × max(|a|, |b|); both NULL match, one NULL differs.
        case FLOAT -> "(NOT (" + l + " IS NULL AND " + r + " IS NULL) AND (" + l + " IS NULL OR " + r + " IS NULL OR abs("
            + l + " - " + r + ") > ?::float8 * greatest(abs(" + l + "), abs(" + r + "))))";
        // '=' is PostGIS's exact comparison of coordinates (cheap); ST_Equals is topological equality.
        case GEOMETRY -> "(NOT (" + l + " IS NULL AND " + r + " IS NULL) AND (" + l + " IS NULL OR " + r + " IS NULL OR ST_SRID("
            + l + ") <> ST_SRID(" + r + ") OR NOT (" + l + " = " + r + " OR ST_Equals(" + l + ", " + r
            + ") OR ST_HausdorffDistance(" + l + ", " + r + ") <= ?::float8)))";
      };
    }

    int parameters() {
      return kind == ColumnKind.FLOAT || kind == ColumnKind.GEOMETRY ? 1 : 0;
    }

    /** The size of a difference (null where the kind has none). */
    String magnitude() {
      String l = l();
      String r = r();
      return switch (kind) {
        case INTEGER -> "abs(" + l + "::numeric - " + r + "::numeric)::float8";
        case FLOAT -> "(abs(" + l + " - " + r + ") / nullif(greatest(abs(" + l + "), abs(" + r + ")), 0))";
        case GEOMETRY -> "(CASE WHEN ST_SRID(" + l + ") = ST_SRID(" + r + ") THEN ST_HausdorffDistance(" + l + ", " + r + ") END)";
        case EXACT -> "NULL::float8";
      };
    }

    /** For polygonal geometries: the area of the symmetric difference. */
    String area() {
      String l = l();
      String r = r();
      return "(CASE WHEN ST_SRID(" + l + ") = ST_SRID(" + r + ") AND ST_Dimension(" + l + ") = 2 AND ST_Dimension(" + r
          + ") = 2 THEN ST_Area(ST_SymDifference(" + l + ", " + r + ")) END)";
    }

    /** How a value is shown in an example: geometries by type and size, not by their coordinates. */
    String shown(String side) {
      String v = cast(side);
      return kind == ColumnKind.GEOMETRY
          ? "CASE WHEN " + v + " IS NULL THEN NULL ELSE ST_GeometryType(" + v + ") || ' (' || ST_NPoints(" + v
              + ") || ' points, SRID ' || ST_SRID(" + v + ") || ')' END"
          : v + "::text";
    }
  }

  /**
   * Compares {@code left} with {@code right} by {@code key}. A key column absent from either side is a
   * usage error; everything else is a finding of the report.
   */
  public ComparisonReport compare(Connection c, Relation left, Relation right, List<String> key, Tolerances tol)
      throws SQLException {
    long start = System.nanoTime();
    try (Statement st = c.createStatement()) {
      // PostGIS declares its functions costly, so even a 2,000-row comparison is planned above jit_above_cost
      // and spends ~1 s of the database's CPU compiling what runs in 60 ms (PostgreSQL docs, "32.2. When to
      // JIT?"). The callers' transaction scopes this.
      st.execute("SET LOCAL jit = off");
    }
    Map<String, Col> lc = columns(c, left);
    Map<String, Col> rc = columns(c, right);
    for (String k : key) {
      if (!lc.containsKey(k)) throw GeoswapException.usage("key column " + k + " is missing from " + left);
      if (!rc.containsKey(k)) throw GeoswapException.usage("key column " + k + " is missing from " + right);
    }
    List<String> missing = rc.keySet().stream().filter(n -> !lc.containsKey(n)).toList();
    List<String> extra = lc.keySet().stream().filter(n -> !rc.containsKey(n)).toList();
    List<String> incompatible = new ArrayList<>();
    List<Compared> compared = new ArrayList<>();
    for (Col l : lc.values()) {
      Col r = rc.get(l.name());
      if (r == null || key.contains(l.name())) continue;
      ColumnKind kind = ColumnKind.common(l.typname(), r.typname());
      if (kind == null) {
        incompatible.add(l.name() + " (" + l.typname() + " vs " + r.typname() + ")");
        continue;
      }
      boolean geography = l.typname().equals("geography") || r.typname().equals("geography");
      double t = kind == ColumnKind.GEOMETRY ? tol.geometry() : tol.forColumn(l.name());
      compared.add(new Compared(l.name(), kind, t, geography));
    }

    // Duplicates first: a unique index on exactly the key (a version table's, a materialized view's usual
    // one) rules them out without a scan.
    KeyDifference dupLeft = uniqueOn(c, left, key) ? KeyDifference.none() : duplicates(c, left, key);
    KeyDifference dupRight = uniqueOn(c, right, key) ? KeyDifference.none() : duplicates(c, right, key);

    // One pass over a FULL JOIN on the key does the rest: rows on each side, keys on one side only, the
    // numeric sums, and per column the differing rows among the matched ones (one join instead of an
    // anti-join each way, a count and a sum scan of each side: about half the time at 10M rows).
    String on = key.stream().map(k -> "l." + Sql.ident(k) + " = r." + Sql.ident(k)).collect(Collectors.joining(" AND "));
    String both = "(l." + LEFT_MARK + " AND r." + RIGHT_MARK + ")";
    List<Compared> numeric = compared.stream().filter(x -> x.kind().numeric()).toList();
    StringBuilder agg = new StringBuilder("SELECT count(*) FILTER (WHERE l." + LEFT_MARK + "), count(*) FILTER (WHERE r."
        + RIGHT_MARK + "), count(*) FILTER (WHERE " + both + "), count(*) FILTER (WHERE r." + RIGHT_MARK
        + " IS NULL), count(*) FILTER (WHERE l." + LEFT_MARK + " IS NULL)");
    for (Compared col : numeric) {
      agg.append(", sum(l.").append(Sql.ident(col.name())).append("::float8), sum(r.").append(Sql.ident(col.name()))
          .append("::float8)");
    }
    List<Double> params = new ArrayList<>();
    List<String> anyDiff = new ArrayList<>();
    List<Double> anyParams = new ArrayList<>();
    for (Compared col : compared) {
      String where = " FILTER (WHERE " + both + " AND " + col.differs() + ")";
      agg.append(", count(*)").append(where);
      add(params, col);
      agg.append(", max(").append(col.magnitude()).append(")").append(where);
      add(params, col);
      if (col.kind() == ColumnKind.GEOMETRY) {
        agg.append(", sum(").append(col.area()).append(")").append(where);
        add(params, col);
      }
      anyDiff.add(col.differs());
      add(anyParams, col);
    }
    agg.append(", count(*) FILTER (WHERE ").append(both).append(" AND (")
        .append(anyDiff.isEmpty() ? "false" : String.join(" OR ", anyDiff)).append("))");
    params.addAll(anyParams);
    agg.append(" FROM (SELECT *, true AS ").append(LEFT_MARK).append(" FROM ").append(left.sql()).append(") l FULL JOIN")
        .append(" (SELECT *, true AS ").append(RIGHT_MARK).append(" FROM ").append(right.sql()).append(") r ON ").append(on);

    List<ColumnResult> results = new ArrayList<>();
    Map<String, Double> leftSums = new LinkedHashMap<>();
    Map<String, Double> rightSums = new LinkedHashMap<>();
    long leftRows;
    long rightRows;
    long matched;
    long onlyLeft;
    long onlyRight;
    long changed;
    try (PreparedStatement ps = c.prepareStatement(agg.toString())) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        leftRows = rs.getLong(1);
        rightRows = rs.getLong(2);
        matched = rs.getLong(3);
        onlyLeft = rs.getLong(4);
        onlyRight = rs.getLong(5);
        int i = 6;
        for (Compared col : numeric) {
          leftSums.put(col.name(), rs.getDouble(i++));
          rightSums.put(col.name(), rs.getDouble(i++)); // getDouble: a sum of no values (NULL) reads as 0
        }
        for (Compared col : compared) {
          long differing = rs.getLong(i++);
          double worst = rs.getDouble(i++);
          Double worstOrNull = rs.wasNull() ? null : worst;
          Double area = null;
          if (col.kind() == ColumnKind.GEOMETRY) {
            double a = rs.getDouble(i++);
            // NULL: no polygon pair to measure (e.g. SRIDs differ); boxed explicitly, as a ?: mixing Double
            // and double would unbox the null.
            if (!rs.wasNull()) {
              area = a;
            } else if (differing == 0) {
              area = 0.0;
            }
          }
          List<Example> examples = differing == 0 ? List.of() : examples(c, left, right, key, on, col);
          results.add(new ColumnResult(col.name(), col.kind(), col.tolerance(), differing, worstOrNull, examples,
              leftSums.get(col.name()), rightSums.get(col.name()), area));
        }
        changed = rs.getLong(i);
      }
    }
    if (dupLeft.count() > 0 || dupRight.count() > 0) {
      // Duplicate keys multiply the join's rows: count each side on its own (the report differs anyway).
      leftRows = count(c, left);
      rightRows = count(c, right);
    }
    // The examples of keys on one side only, read only when there are some.
    KeyDifference missingKeys = onlyRight == 0 ? KeyDifference.none() : antiJoin(c, right, left, key);
    KeyDifference extraKeys = onlyLeft == 0 ? KeyDifference.none() : antiJoin(c, left, right, key);
    double seconds = Math.round((System.nanoTime() - start) / 1e6) / 1e3;
    return new ComparisonReport(left.toString(), right.toString(), key, leftRows, rightRows, missing, extra,
        incompatible, missingKeys, extraKeys, dupLeft, dupRight, matched, changed, results, seconds);
  }

  private static void add(List<Double> params, Compared col) {
    if (col.parameters() == 1) params.add(col.tolerance());
  }

  private static void bind(PreparedStatement ps, List<Double> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) ps.setDouble(i + 1, params.get(i));
  }

  /** Columns in order, with their base type names; empty when the relation doesn't exist. */
  static Map<String, Col> columns(Connection c, Relation rel) throws SQLException {
    Map<String, Col> cols = new LinkedHashMap<>();
    for (Catalog.Column col : Catalog.columns(c, rel.schema(), rel.name())) {
      cols.put(col.name(), new Col(col.name(), col.typname()));
    }
    return cols;
  }

  private static long count(Connection c, Relation rel) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + rel.sql()); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Whether a unique index on exactly the key's columns (no expression, no predicate) holds {@code rel}'s
   * rows to one per key (PostgreSQL docs, "51.26 pg_index"). Not NULL keys: those the key checks catch.
   */
  static boolean uniqueOn(Connection c, Relation rel, List<String> key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass(?)"
        + " AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL"
        + " AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a WHERE a.attrelid = i.indrelid"
        + " AND a.attnum = ANY (i.indkey)) = (SELECT array_agg(k ORDER BY k) FROM unnest(?::text[]) k)"
        + " AND i.indnkeyatts = cardinality(?::text[]))")) {
      ps.setString(1, rel.sql());
      ps.setArray(2, c.createArrayOf("text", key.toArray()));
      ps.setArray(3, c.createArrayOf("text", key.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static KeyDifference duplicates(Connection c, Relation rel, List<String> key) throws SQLException {
    String k = Sql.idents(key);
    return keys(c, "SELECT " + k + ", count(*) OVER () FROM (SELECT " + k + " FROM " + rel.sql() + " GROUP BY " + k
        + " HAVING count(*) > 1 ORDER BY " + k + ") d LIMIT " + EXAMPLES, key);
  }

  /** Keys of {@code from} that {@code other} lacks. */
  private static KeyDifference antiJoin(Connection c, Relation from, Relation other, List<String> key) throws SQLException {
    String sel = key.stream().map(k -> "a." + Sql.ident(k)).collect(Collectors.joining(", "));
    String on = key.stream().map(k -> "b." + Sql.ident(k) + " = a." + Sql.ident(k)).collect(Collectors.joining(" AND "));
    return keys(c, "SELECT " + sel + ", count(*) OVER () FROM " + from.sql() + " a WHERE NOT EXISTS (SELECT 1 FROM "
        + other.sql() + " b WHERE " + on + ") ORDER BY " + sel + " LIMIT " + EXAMPLES, key);
  }

  private static KeyDifference keys(Connection c, String sql, List<String> key) throws SQLException {
    List<String> examples = new ArrayList<>();
    long count = 0;
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        examples.add(keyText(rs, key, 1));
        count = rs.getLong(key.size() + 1);
      }
    }
    return new KeyDifference(count, examples);
  }

  private static List<Example> examples(Connection c, Relation left, Relation right, List<String> key, String on,
      Compared col) throws SQLException {
    String sel = key.stream().map(k -> "l." + Sql.ident(k)).collect(Collectors.joining(", "));
    String sql = "SELECT " + sel + ", " + col.shown("l") + ", " + col.shown("r") + ", " + col.magnitude() + " AS m FROM "
        + left.sql() + " l JOIN " + right.sql() + " r ON " + on + " WHERE " + col.differs()
        + " ORDER BY m DESC NULLS FIRST, " + sel + " LIMIT " + EXAMPLES;
    List<Example> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (col.parameters() == 1) ps.setDouble(1, col.tolerance());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int n = key.size();
          // wasNull() speaks of the last column read: read the size last.
          String keyText = keyText(rs, key, 1);
          String leftValue = rs.getString(n + 1);
          String rightValue = rs.getString(n + 2);
          double m = rs.getDouble(n + 3);
          Double size = rs.wasNull() ? null : m;
          out.add(new Example(keyText, leftValue, rightValue, size));
        }
      }
    }
    return out;
  }

  /** {@code zone_id=5} or {@code region_id=3,season=summer}, as the job's messages name rows. */
  private static String keyText(ResultSet rs, List<String> key, int first) throws SQLException {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < key.size(); i++) parts.add(key.get(i) + "=" + rs.getString(first + i));
    return String.join(",", parts);
  }
}
