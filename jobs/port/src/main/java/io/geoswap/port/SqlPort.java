package io.geoswap.port;

import io.geoswap.port.MatviewCatalog.Matview;
import io.geoswap.port.MatviewCatalog.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.WithItem;

/**
 * Ports a materialized view's query (PostgreSQL's own print of it, {@code pg_get_viewdef}) to Sedona SQL.
 * Pure: no database, no Spark. The query is parsed with JSqlParser and rewritten as a tree: nodes are
 * replaced by identity and the output is printed from the tree ({@link Deparsers}), never by editing text.
 *
 * <p>What it rewrites (each with a report line: the definition's line, before → after, why): a spatial
 * LEFT JOIN becomes an inner spatial join aggregated per key, then an equi LEFT JOIN on that key
 * ({@code coalesce(…, 0)} for counts, NULL kept for the other aggregates, as PostgreSQL gives them over no
 * rows); a GROUP BY on a primary key that selects other columns of its table (PostgreSQL's functional
 * dependency, an error in Spark) groups by the key and joins those columns back; {@code ST_Union}
 * (aggregate) → {@code ST_Union_Aggr}; {@code ST_Transform(g, n)} → Sedona's 3-argument form naming g's
 * SRID; {@code ::type} → {@code CAST}; {@code ST_MakeValid} of a source column → the job's
 * {@code make_valid} policy; a predicate on one base table → that source's {@code where}; geography
 * {@code ST_Distance}/{@code ST_DWithin}/{@code ST_Length} → Sedona's spheroid functions (EPSG:4326);
 * {@code DISTINCT ON} → {@code row_number()} with PostgreSQL's NULL placement; {@code string_agg(x, sep
 * ORDER BY x)} → collect, sort, join; an aggregate's {@code FILTER} kept; {@code &&} → intersecting
 * envelopes and {@code ~} → covering envelopes (both flagged: float4 boxes); {@code <->} on geometries →
 * ST_Distance; ST_Union/ST_Collect aggregates → the function over {@code collect_list}, NULL for no values,
 * the input's SRID re-applied. A CTE takes the same rewrites as the main query (nested WITH).
 *
 * <p>What it refuses (the result then has no SQL): a recursive CTE, ST_ClusterDBSCAN and other functions
 * without an equivalent, a set-returning function in a select list, any function it doesn't know (a
 * user-defined one), {@code ST_Area} of a geography, a transform to EPSG:6933, ST_Extent and the
 * ST_MakeLine aggregate, {@code ~} as a regular expression and {@code <->} on other types, and the shapes
 * this version doesn't translate yet (each named).
 */
public final class SqlPort {
  /** A report line: where in the view's definition, what it was, what it became, and why. */
  public record Line(int line, String before, String after, String why) {}

  /** An {@code ST_Transform} between two EPSG codes, at a line: init samples the sources' points through both engines. */
  public record Transform(int line, int from, int to) {}

  /**
   * A result column computed through a transform: {@code power} 2 for an area (a scale difference counts
   * twice), 1 for a length or a distance, 0 for a geometry (its coordinates move).
   */
  public record Transformed(String column, int from, int to, int power) {}

  /** A source of the spec: alias (its temp view's name), the table, predicates moved into its where. */
  public record Source(String alias, Table table, List<String> where) {}

  /**
   * The port. {@code sql} is null when anything was refused. {@code floatTolerances} are relative
   * tolerances verify needs for columns computed by an overlay (JTS vs GEOS), {@code geometryTolerance} the
   * Hausdorff tolerance for a geometry column computed by one (null: exact).
   */
  public record Result(String sql, List<Source> sources, boolean makeValid, List<Line> translated,
      List<Line> mayDiffer, List<Line> refused, Map<String, Double> floatTolerances, Double geometryTolerance,
      List<Transform> transforms, List<Transformed> transformed) {
    public boolean isRefused() {
      return !refused.isEmpty();
    }

    /** This result with other may-differ lines (init's measured CRS differences replace the port's). */
    public Result withMayDiffer(List<Line> lines) {
      return new Result(sql, sources, makeValid, translated, List.copyOf(lines), refused, floatTolerances,
          geometryTolerance, transforms, transformed);
    }

    /** This result with init's measured CRS differences: may-differ lines and the tolerances they call for. */
    public Result withMeasured(List<Line> lines, Map<String, Double> floats, Double geometry) {
      return new Result(sql, sources, makeValid, translated, List.copyOf(lines), refused, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(floats)), geometry,
          transforms, transformed);
    }

    /** This result refused with {@code lines} (no SQL). */
    public Result withRefused(List<Line> lines) {
      return new Result(null, sources, makeValid, translated, mayDiffer, List.copyOf(lines), floatTolerances,
          geometryTolerance, transforms, transformed);
    }
  }

  /**
   * Relative tolerance for an area (or other float) computed from an overlay's result: FIELD-NOTES measured
   * ~3e-10; land_use_area's areas in 3035 differ by up to 1.7e-9 (measured, 960 groups): above verify's
   * default 1e-9, well under this.
   */
  static final double OVERLAY_FLOAT_TOLERANCE = 1e-6;
  /** For a length of an overlay's result (FIELD-NOTES: lengths differ by up to ~2e-6 relative). */
  static final double OVERLAY_LENGTH_TOLERANCE = 1e-5;
  /** Hausdorff tolerance for a geometry an overlay computed (FIELD-NOTES: ~1.8e-7°): in the SRID's units. */
  static final double OVERLAY_GEOMETRY_TOLERANCE = 1e-6;
  /** A source at most this large is broadcast to the spatial join (JDBC sources report no size to Spark). */
  static final long BROADCAST_BYTES = 64L << 20;

  private final Matview mv;
  private final DefinitionLines lines;
  private final Map<Expression, Expression> replaced = new IdentityHashMap<>();
  private final List<Line> translated = new ArrayList<>();
  private final List<Line> mayDiffer = new ArrayList<>();
  private final List<Line> refused = new ArrayList<>();
  private final Map<String, Source> sources = new LinkedHashMap<>();
  private final Map<String, Rel> ctes = new LinkedHashMap<>();
  private final Map<String, Double> floatTolerances = new LinkedHashMap<>();
  private final Set<String> reportedOnce = new java.util.HashSet<>();
  private final Map<String, Transform> transforms = new LinkedHashMap<>();
  private final List<Transformed> transformed = new ArrayList<>();
  /** Names the rewrite gave CTEs and aliases, so that a nested WITH never shadows one of the view's. */
  private final Set<String> generated = new java.util.HashSet<>();
  /** How often each base table is read (FROM items over the whole query): a predicate moves only from a table read once. */
  private final Map<String, Integer> reads = new HashMap<>();
  private Double geometryTolerance;
  private boolean makeValid;

  /** A relation in a FROM: a base table (a source) or a CTE, with its columns' SRIDs. */
  private record Rel(String name, Table table, Map<String, Integer> srids, List<String> columns, long bytes) {
    boolean isBase() {
      return table != null;
    }
  }

  private SqlPort(Matview mv) {
    this.mv = mv;
    this.lines = new DefinitionLines(mv.definition());
  }

  public static Result port(Matview mv) {
    SqlPort p = new SqlPort(mv);
    String sql = null;
    try {
      sql = p.run();
    } catch (Refusal r) {
      p.refused.add(r.line);
    }
    if (!p.refused.isEmpty()) sql = null;
    return new Result(sql, List.copyOf(p.sources.values()), p.makeValid, p.translated, p.mayDiffer, p.refused,
        p.floatTolerances, p.geometryTolerance, List.copyOf(p.transforms.values()), List.copyOf(p.transformed));
  }

  /** Stops the port at the first construct it can't go past (the others found so far are kept). */
  private static final class Refusal extends RuntimeException {
    final Line line;

    Refusal(Line line) {
      super(line.why(), null, false, false);
      this.line = line;
    }
  }

  private Refusal refuse(int line, String construct, String why) {
    return new Refusal(new Line(line, construct, null, why));
  }

  // ------------------------------------------------------------------------------------------------ run

  private String run() {
    String text = mv.definition().strip();
    if (text.endsWith(";")) text = text.substring(0, text.length() - 1);
    Statement st;
    try {
      st = CCJSqlParserUtil.parse(text);
    } catch (JSQLParserException e) {
      String cause = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      throw refuse(1, "the view's definition", "JSqlParser can't read it: " + io.geoswap.common.Text.firstLine(cause, 200));
    }
    if (!(st instanceof PlainSelect main)) {
      throw refuse(1, st.getClass().getSimpleName(), "only a single SELECT (with or without WITH) is translated in this"
          + " version, not UNION/INTERSECT/EXCEPT or VALUES");
    }
    List<PlainSelect> ctesInOrder = new ArrayList<>();
    List<String> cteNames = new ArrayList<>();
    if (main.getWithItemsList() != null) {
      for (WithItem<?> w : main.getWithItemsList()) {
        if (w.isRecursive()) {
          throw refuse(lineOf("recursive"), "WITH RECURSIVE " + w.getAliasName(), "a recursive CTE: Spark SQL has no"
              + " recursive queries (iterate in the job instead), so it can't be ported");
        }
        if (!(w.getSelect() != null && w.getSelect().getSelect() instanceof PlainSelect ps)) {
          throw refuse(lineOf(w.getAliasName()), "WITH " + w.getAliasName(), "only a SELECT in a CTE is translated in this version");
        }
        ctesInOrder.add(ps);
        cteNames.add(w.getAliasName());
      }
    }
    // Every construct first: refusals are reported all at once, before any rewrite.
    for (PlainSelect s : ctesInOrder) scan(s);
    scan(main);
    if (!refused.isEmpty()) return null;
    generated.addAll(cteNames);
    List<PlainSelect> all = new ArrayList<>(ctesInOrder);
    all.add(main);
    for (PlainSelect s : all) countReads(s, cteNames);

    StringBuilder with = new StringBuilder();
    for (int i = 0; i < ctesInOrder.size(); i++) {
      PlainSelect s = ctesInOrder.get(i);
      Map<String, Rel> scope = scope(s);
      translate(s, scope, false);
      // A CTE takes the same rewrites as the main query (DISTINCT ON, GROUP BY a key, a spatial LEFT JOIN);
      // one that needs CTEs of its own gets a WITH inside its parentheses. Its predicates stay where they
      // are: a source's where would filter every read of that table.
      String body = indent(shape(s, scope, unmoved(s), new StringBuilder()), "  ");
      List<String> cols = new ArrayList<>();
      Map<String, Integer> srids = new HashMap<>();
      long bytes = 0;
      for (Rel r : scope.values()) bytes += r.bytes();
      for (SelectItem<?> it : s.getSelectItems()) {
        String name = outputName(it);
        cols.add(name);
        Integer srid = srid(it.getExpression(), scope);
        if (srid != null) srids.put(name, srid);
      }
      ctes.put(cteNames.get(i), new Rel(cteNames.get(i), null, srids, cols, bytes));
      with.append(with.length() == 0 ? "WITH " : ",\n").append(cteNames.get(i)).append(" AS (\n").append(body).append("\n)");
    }
    Map<String, Rel> scope = scope(main);
    Moved moved = move(main, scope);
    translate(main, scope, true);
    return shape(main, scope, moved, with);
  }

  private static String indent(String text, String indent) {
    return indent + text.replace("\n", "\n" + indent);
  }

  /** Counts the base tables {@code s} reads (a CTE's name is not a table). */
  private void countReads(PlainSelect s, List<String> cteNames) {
    List<FromItem> items = new ArrayList<>();
    if (s.getFromItem() != null) items.add(first(s));
    for (Join j : joins(s)) items.add(j.getRightItem());
    for (FromItem item : items) {
      if (item instanceof net.sf.jsqlparser.schema.Table t && !(t.getSchemaName() == null && cteNames.contains(t.getName()))) {
        Table table = mv.table(t.getSchemaName(), t.getName());
        if (table != null) reads.merge(table.schema() + "." + table.name(), 1, Integer::sum);
      }
    }
  }

  // --------------------------------------------------------------------------------------------- refusals

  /** Refuses (collecting every one) what no rewrite here handles. */
  private void scan(PlainSelect s) {
    if (s.getHaving() != null) refused.add(new Line(lineOf("HAVING"), "HAVING", null, "HAVING is not translated in this version"));
    if (s.getLimit() != null || s.getOffset() != null) {
      refused.add(new Line(lineOf("LIMIT"), "LIMIT/OFFSET", null, "a LIMIT in a materialized view keeps rows by"
          + " PostgreSQL's plan order: not reproducible in Spark"));
    }
    if (s.getDistinct() != null && s.getDistinct().getOnSelectItems() != null
        && (s.getGroupBy() != null || joins(s).stream().anyMatch(Join::isLeft))) {
      refused.add(new Line(lineOf("DISTINCT ON"), "SELECT DISTINCT ON", null, "DISTINCT ON with GROUP BY or a LEFT JOIN"
          + " is not translated in this version"));
    }
    for (SelectItem<?> it : s.getSelectItems()) {
      Deparsers.Found f = Deparsers.walk(it.getExpression());
      for (Function fn : f.functions) {
        if (KnownFunctions.SET_RETURNING.contains(fn.getName().toLowerCase(Locale.ROOT))) {
          refused.add(new Line(lineOf(fn.getName() + "("), fn.toString(), null, "a set-returning function in the select"
              + " list: it multiplies rows (Spark's explode/LATERAL VIEW differ on empty and NULL input), not ported"));
        }
      }
    }
    for (Expression e : expressions(s)) {
      Deparsers.Found f = Deparsers.walk(e);
      Set<Expression> spheroid = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
      Set<Expression> firstOf = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
      for (net.sf.jsqlparser.expression.ArrayExpression a : f.subscripts) {
        Function agg = firstOfArrayAgg(a);
        if (agg != null) firstOf.add(agg);
      }
      for (Function fn : f.functions) {
        List<CastExpression> g = geographyArgs(fn);
        if (g == null) continue;
        if (fn.getName().equalsIgnoreCase("st_area")) {
          refused.add(new Line(lineOf("st_area("), fn.toString(), null, "ST_Area on geography: Sedona 1.8's"
              + " ST_AreaSpheroid is wrong for polygons with holes (2.659e9 vs PostGIS 2.516e9 m² on one US county,"
              + " FIELD-NOTES); no faithful port"));
        }
        spheroid.addAll(g);
      }
      if (!f.subqueries.isEmpty()) {
        refused.add(new Line(lineOf("SELECT", 2), "a subquery in an expression", null, "subqueries in expressions are not"
            + " translated in this version"));
      }
      for (AnalyticExpression a : f.windows) {
        String name = a.getName().toLowerCase(Locale.ROOT);
        if (a.getType() == net.sf.jsqlparser.expression.AnalyticType.FILTER_ONLY
            && Set.of("count", "sum", "avg", "min", "max").contains(name)) {
          continue; // agg(…) FILTER (WHERE …): Spark has the same clause (translate reports it)
        }
        String why = KnownFunctions.REFUSED.get(name);
        refused.add(new Line(lineOf(a.getName() + "("), a.toString(), null, why != null ? a.getName() + ": " + why
            : "window functions and FILTER are not translated in this version"));
      }
      for (Function fn : f.functions) {
        String name = fn.getName().toLowerCase(Locale.ROOT);
        if (KnownFunctions.SET_RETURNING.contains(name)) continue; // reported above when in the select list
        if (firstOf.contains(fn)) continue; // (array_agg(x ORDER BY y))[1]: translate ports it
        String why = KnownFunctions.REFUSED.get(name);
        if (why != null) {
          refused.add(new Line(lineOf(fn.getName() + "("), fn.toString(), null, fn.getName() + ": " + why));
        } else if (KnownFunctions.sedonaName(name) == null) {
          refused.add(new Line(lineOf(fn.getName() + "("), fn.getName() + "(…)", null, "function " + fn.getName()
              + " is not in the translator's list: a user-defined function (its body runs in PostgreSQL only), or a"
              + " built-in nobody has checked against Sedona yet"));
        }
      }
      for (CastExpression c : f.casts) {
        String type = c.getColDataType().getDataType().toLowerCase(Locale.ROOT);
        if (type.equals("geography") && spheroid.contains(c)) {
          continue; // ported with its function (translate)
        } else if (type.equals("geography")) {
          refused.add(new Line(lineOf("::geography"), c.toString(), null, "geography outside ST_Distance(g::geography,"
              + " g::geography), ST_DWithin(…, …, r) and ST_Length(g::geography): not translated in this version"));
        } else if (!type.equals("geometry") && Deparsers.sparkType(type, c.getColDataType().getArgumentsStringList()) == null) {
          refused.add(new Line(lineOf("::" + type), c.toString(), null, "a cast to " + type + ": no Spark type for it"));
        }
      }
    }
  }

  private static List<Expression> expressions(PlainSelect s) {
    List<Expression> out = new ArrayList<>();
    for (SelectItem<?> it : s.getSelectItems()) out.add(it.getExpression());
    if (s.getWhere() != null) out.add(s.getWhere());
    if (s.getGroupBy() != null) out.addAll(s.getGroupBy().getGroupByExpressionList());
    for (Join j : joins(s)) out.addAll(j.getOnExpressions());
    // ORDER BY too: DISTINCT ON keeps its order (e.g. by a <-> distance), which must be translated as well.
    if (s.getOrderByElements() != null) {
      for (net.sf.jsqlparser.statement.select.OrderByElement o : s.getOrderByElements()) out.add(o.getExpression());
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- scopes

  /** The FROM flattened: the first item, then each join (pg_get_viewdef may parenthesise them). */
  private static List<Join> joins(PlainSelect s) {
    List<Join> out = new ArrayList<>();
    if (s.getFromItem() instanceof ParenthesedFromItem p && p.getJoins() != null) out.addAll(p.getJoins());
    if (s.getJoins() != null) out.addAll(s.getJoins());
    return out;
  }

  private static FromItem first(PlainSelect s) {
    return s.getFromItem() instanceof ParenthesedFromItem p ? p.getFromItem() : s.getFromItem();
  }

  private static String aliasOf(FromItem item) {
    if (item.getAlias() != null) return item.getAlias().getName();
    return item instanceof net.sf.jsqlparser.schema.Table t ? t.getName() : null;
  }

  /** alias → relation for the FROM of {@code s}, registering base tables as sources. */
  private Map<String, Rel> scope(PlainSelect s) {
    Map<String, Rel> scope = new LinkedHashMap<>();
    List<FromItem> items = new ArrayList<>();
    if (s.getFromItem() == null) throw refuse(1, "SELECT without FROM", "a view without a source table has nothing to read");
    items.add(first(s));
    for (Join j : joins(s)) {
      if (j.isRight() || j.isFull() || j.isNatural() || j.getUsingColumns() != null && !j.getUsingColumns().isEmpty()) {
        throw refuse(lineOf("JOIN"), j.toString(), "RIGHT/FULL/NATURAL joins and USING are not translated in this version");
      }
      items.add(j.getRightItem());
    }
    for (FromItem item : items) {
      if (!(item instanceof net.sf.jsqlparser.schema.Table t)) {
        throw refuse(lineOf("FROM"), item.toString(), "only tables and CTEs in FROM are translated in this version"
            + " (not subqueries, functions or nested joins)");
      }
      String alias = aliasOf(item);
      Rel rel = t.getSchemaName() == null ? ctes.get(t.getName()) : null;
      if (rel == null) {
        Table table = mv.table(t.getSchemaName(), t.getName());
        if (table == null) {
          throw refuse(lineOf(t.getName()), t.getFullyQualifiedName(), "not among the tables the view depends on"
              + " (pg_depend): can't resolve it");
        }
        if (!table.relkind().equals("r") && !table.relkind().equals("p")) {
          throw refuse(lineOf(t.getName()), t.getFullyQualifiedName(), "a view or materialized view: a source must be a"
              + " table (port what it reads instead); not translated in this version");
        }
        Source src = sources.computeIfAbsent(table.schema() + "." + table.name(),
            k -> new Source(sourceAlias(table), table, new ArrayList<>()));
        Map<String, Integer> srids = new HashMap<>();
        List<String> cols = new ArrayList<>();
        for (MatviewCatalog.Column c : table.columns()) {
          cols.add(c.name());
          if (c.isGeometry() && c.srid() > 0) srids.put(c.name(), c.srid());
        }
        rel = new Rel(src.alias(), table, srids, cols, table.bytes());
      }
      scope.put(alias, rel);
    }
    return scope;
  }

  private String sourceAlias(Table table) {
    long sameName = mv.tables().stream().filter(t -> t.name().equals(table.name())).count();
    return sameName > 1 ? table.schema() + "_" + table.name() : table.name();
  }

  /** The relation a column belongs to (its qualifier, or the one relation that has such a column). */
  private static String qualifierOf(Column c, Map<String, Rel> scope) {
    if (c.getTable() != null && c.getTable().getName() != null) return c.getTable().getName();
    if (scope.size() == 1) return scope.keySet().iterator().next();
    String found = null;
    for (Map.Entry<String, Rel> e : scope.entrySet()) {
      if (e.getValue().columns().contains(c.getColumnName())) {
        if (found != null) return null;
        found = e.getKey();
      }
    }
    return found;
  }

  private static Set<String> qualifiers(Expression e, Map<String, Rel> scope) {
    Set<String> out = new LinkedHashSet<>();
    for (Column c : Deparsers.walk(e).columns) out.add(qualifierOf(c, scope));
    return out;
  }

  /** The SRID of a geometry expression, when it can be told from the catalog; else null. */
  private Integer srid(Expression e, Map<String, Rel> scope) {
    if (e instanceof Column c) {
      String q = qualifierOf(c, scope);
      Rel r = q == null ? null : scope.get(q);
      return r == null ? null : r.srids().get(c.getColumnName());
    }
    if (e instanceof ParenthesedExpressionList<?> p && p.size() == 1) return srid((Expression) p.get(0), scope);
    if (e instanceof Function f && f.getParameters() != null && !f.getParameters().isEmpty()) {
      String name = f.getName().toLowerCase(Locale.ROOT);
      if ((name.equals("st_transform") || name.equals("st_setsrid")) && f.getParameters().size() == 2
          && f.getParameters().get(1) instanceof LongValue v) {
        return (int) v.getValue();
      }
      if (KnownFunctions.SRID_PRESERVING.contains(name)) return srid((Expression) f.getParameters().get(0), scope);
      // ST_Union/ST_Collect as aggregates: PostGIS gives the result its input's SRID.
      if (KnownFunctions.isAggregate(f) && KnownFunctions.GEOMETRY_AGGREGATES.contains(name)) {
        return srid((Expression) f.getParameters().get(0), scope);
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------ expressions

  /** Function-level translations of every expression of {@code s} (replacements by node identity). */
  private void translate(PlainSelect s, Map<String, Rel> scope, boolean result) {
    for (SelectItem<?> it : result ? s.getSelectItems() : List.<SelectItem<?>>of()) {
      String name = outputName(it);
      Deparsers.Found f = Deparsers.walk(it.getExpression());
      boolean overlay = false;
      boolean length = false;
      for (Function fn : f.functions) {
        String n = fn.getName().toLowerCase(Locale.ROOT);
        overlay |= KnownFunctions.OVERLAYS.contains(n);
        length |= n.equals("st_length") || n.equals("st_perimeter");
      }
      for (Function fn : f.functions) {
        if (fn.getName().equalsIgnoreCase("st_transform") && fn.getParameters() != null && fn.getParameters().size() == 2
            && fn.getParameters().get(1) instanceof LongValue to) {
          Integer from = srid((Expression) fn.getParameters().get(0), scope);
          if (from == null) continue; // refused by translate
          boolean area = f.functions.stream().anyMatch(g -> g.getName().equalsIgnoreCase("st_area"));
          boolean geometry = mv.columns().stream().anyMatch(c -> c.name().equals(name) && c.isGeometry());
          transformed.add(new Transformed(name, from, (int) to.getValue(), geometry ? 0 : area ? 2 : 1));
        }
      }
      if (overlay && mv.columns().stream().anyMatch(c -> c.name().equals(name))) {
        MatviewCatalog.Column col = mv.columns().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
        if (col.isGeometry()) {
          geometryTolerance = OVERLAY_GEOMETRY_TOLERANCE;
        } else if (List.of("float8", "float4", "numeric").contains(col.typname())) {
          floatTolerances.put(name, length ? OVERLAY_LENGTH_TOLERANCE : OVERLAY_FLOAT_TOLERANCE);
        }
      }
    }
    for (Expression e : expressions(s)) {
      Deparsers.Found f = Deparsers.walk(e);
      for (AnalyticExpression a : f.windows) {
        translated.add(new Line(lineAt(a, "FILTER"), a.toString(), Deparsers.spark(a, replaced), "an aggregate's FILTER"
            + " (WHERE …) is the same clause in Spark SQL"));
      }
      // Innermost first: a replacement (and its report line) prints its arguments' replacements.
      List<Function> fns = new ArrayList<>(f.functions);
      java.util.Collections.reverse(fns);
      for (Function fn : fns) translate(fn, scope);
      for (net.sf.jsqlparser.expression.ArrayExpression a : f.subscripts) firstOf(a);
      for (net.sf.jsqlparser.expression.ExtractExpression x : f.extracts) {
        if (reportedOnce.add("extract:" + x)) {
          translated.add(new Line(lineAt(x, "EXTRACT("), x.toString(), Deparsers.spark(x, replaced), "the same in Spark"
              + " SQL (an integer there, numeric in PostgreSQL 14+: verify compares them as numbers)"));
          mayDiffer.add(new Line(lineAt(x, "EXTRACT("), x.toString(), null, "of a timestamptz, read in the session's"
              + " time zone: UTC in the job, the refreshing session's TimeZone in PostgreSQL (equal when that is UTC)"));
        }
      }
      for (net.sf.jsqlparser.expression.operators.relational.GeometryDistance d : f.distances) distance(d, scope);
      for (net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperator m : f.tildes) boxContains(m, scope);
      for (net.sf.jsqlparser.expression.operators.relational.DoubleAnd box : f.boxOverlaps) {
        // PostGIS's && compares bounding boxes; Sedona has no operator for it, but envelopes do the same.
        Function overlap = new Function("ST_Intersects", new Function("ST_Envelope", box.getLeftExpression()),
            new Function("ST_Envelope", box.getRightExpression()));
        replaced.put(box, overlap);
        translated.add(new Line(lineAt(box, "&&"), box.toString(), Deparsers.spark(overlap, replaced), "&& is"
            + " bounding-box overlap: the envelopes intersect"));
        mayDiffer.add(new Line(lineAt(box, "&&"), box.toString(), null, "PostGIS compares float4 boxes rounded outward,"
            + " Sedona exact envelopes: pairs whose boxes only touch within float precision (~1e-7 relative) may"
            + " differ"));
      }
      for (CastExpression c : f.casts) {
        String type = c.getColDataType().getDataType().toLowerCase(Locale.ROOT);
        if (type.equals("geography")) continue; // ported with its function (translateGeography)
        if (type.equals("geometry")) {
          replaced.put(c, c.getLeftExpression());
          translated.add(new Line(lineAt(c, "::geometry"), c.toString(), Deparsers.spark(c.getLeftExpression(), replaced),
              "a cast to geometry: Sedona's values are geometries already"));
          continue;
        }
        String key = "cast:" + c;
        if (reportedOnce.add(key)) {
          translated.add(new Line(lineAt(c, "::" + type), c.toString(), Deparsers.spark(c, replaced),
              type.startsWith("numeric") ? "PostgreSQL's unconstrained numeric has no Spark type: DECIMAL(38,18) keeps 20"
                  + " integer and 18 fraction digits" : "PostgreSQL's :: cast in Spark's CAST syntax"));
        }
      }
    }
  }

  private void translate(Function fn, Map<String, Rel> scope) {
    String name = fn.getName().toLowerCase(Locale.ROOT);
    String before = fn.toString();
    List<Expression> args = new ArrayList<>();
    if (fn.getParameters() != null) for (Object o : fn.getParameters()) args.add((Expression) o);
    List<CastExpression> geography = geographyArgs(fn);
    if (geography != null && !name.equals("st_area")) {
      translateGeography(fn, name, args, geography, scope);
      return;
    }
    switch (name) {
      case "st_union" -> {
        if (args.size() == 1) {
          // Not ST_Union_Aggr: in Sedona 1.8.0 its finish() fails with a NullPointerException inside JTS's
          // UnaryUnionOp on some groups (measured on examples/transit_access, 600 groups over 2 tasks); Spark's
          // own collect_list and the array form of ST_Union are the same union without Sedona's buffer.
          Expression agg = geometryAggregate(fn, "ST_Union", args.get(0), scope, "ST_Union as an aggregate: the"
              + " array form of Sedona's ST_Union over the collected list (JTS's unary union, as ST_Union_Aggr)");
          replaced.put(fn, agg);
        }
      }
      case "st_transform" -> {
        if (args.size() == 2 && args.get(1) instanceof LongValue to) {
          Integer from = srid(args.get(0), scope);
          if (from == null || from == 0) {
            throw refuse(lineAt(fn, "st_transform("), before, "can't tell the SRID of " + args.get(0) + " from the catalog:"
                + " Sedona's ST_Transform needs the source CRS named");
          }
          if (to.getValue() == 6933) {
            throw refuse(lineAt(fn, "st_transform("), before, "EPSG:6933 (Lambert Cylindrical Equal Area) is missing from"
                + " GeoTools: Sedona fails on it (FIELD-NOTES)");
          }
          Function t = new Function("ST_Transform", args.get(0), new StringValue("EPSG:" + from),
              new StringValue("EPSG:" + to.getValue()));
          replaced.put(fn, t);
          translated.add(new Line(lineAt(fn, "st_transform("), before, Deparsers.spark(t, replaced), "Sedona's ST_Transform"
              + " names the source CRS (EPSG:" + from + ", from the catalog's typmods): aggregates and overlays drop"
              + " the SRID in Sedona"));
          String crs = crs(from, (int) to.getValue());
          if (reportedOnce.add(crs)) {
            int line = lineAt(fn, "st_transform(");
            transforms.put(crs, new Transform(line, from, (int) to.getValue()));
            boolean known = Set.of(8857L, 3410L, 2163L, 3975L, 5070L).contains(to.getValue());
            mayDiffer.add(new Line(line, crs, null, known
                ? "GeoTools and PROJ differ for this CRS (FIELD-NOTES: 8857, 3410, 2163, 3975 differ; 5070 by ~2.5e-9 relative)"
                : "projected by GeoTools in Sedona, by PROJ in PostGIS: FIELD-NOTES found 3035 and 54009 equal to the"
                    + " last digits; init samples the sources' points through both"));
          }
        }
      }
      case "st_makevalid" -> {
        if (args.size() == 1 && args.get(0) instanceof Column c) {
          String q = qualifierOf(c, scope);
          Rel r = q == null ? null : scope.get(q);
          if (r != null && r.isBase()) {
            replaced.put(fn, c);
            makeValid = true;
            translated.add(new Line(lineAt(fn, "st_makevalid("), before, Deparsers.spark(c, replaced), "the source's geometries"
                + " arrive repaired: on_invalid_geometry: make_valid (ST_MakeValid's algorithm, in the job's read)"));
          }
        }
      }
      case "string_agg" -> stringAgg(fn, args);
      case "st_collect" -> {
        if (args.size() == 1) {
          Expression agg = geometryAggregate(fn, "ST_Collect", args.get(0), scope, "ST_Collect as an aggregate: Sedona's"
              + " ST_Collect takes the collected list");
          replaced.put(fn, agg);
          mayDiffer.add(new Line(lineAt(fn, "st_collect("), before, null, "the parts' order follows each engine's row"
              + " order: equal as geometries (ST_Equals, what verify compares), not part by part"));
        }
      }
      case "date_trunc" -> {
        if (reportedOnce.add("date_trunc")) {
          mayDiffer.add(new Line(lineAt(fn, "date_trunc("), before, null, "a timestamptz is truncated in the session's"
              + " time zone: UTC in the job, the refreshing session's TimeZone in PostgreSQL (equal when that is UTC)"));
        }
      }
      case "count" -> {
        if (fn.isDistinct() && reportedOnce.add("count distinct")) {
          translated.add(new Line(lineAt(fn, "count(DISTINCT"), before, Deparsers.spark(fn, replaced),
              "the same in Spark: count(DISTINCT …) ignores NULLs in both"));
        }
      }
      case "coalesce" -> {
        if (reportedOnce.add("coalesce")) {
          translated.add(new Line(lineAt(fn, "COALESCE("), before, Deparsers.spark(fn, replaced), "the same in Spark"));
        }
      }
      default -> { }
    }
    if (KnownFunctions.OVERLAYS.contains(name) && reportedOnce.add("overlay:" + name)) {
      mayDiffer.add(new Line(lineOf(name + "("), fn.getName() + "(…)", null, "an overlay: JTS (Sedona) and GEOS (PostGIS)"
          + " node nearly collinear segments differently: geometries ~1.8e-7° Hausdorff apart on a few rows, areas"
          + " ~3e-10 and lengths up to ~2e-6 relative (FIELD-NOTES); verify with the tolerances below"));
    }
  }

  /**
   * A geometry aggregate {@code agg(x)} → {@code CASE WHEN count(x) > 0 THEN ST_SetSRID(f(collect_list(x)),
   * srid) END}: NULL where every x is NULL, as PostGIS gives (Sedona's functions give an empty geometry for
   * an empty list), and x's SRID re-applied (PostGIS's result keeps it, Sedona's has none).
   */
  private Expression geometryAggregate(Function fn, String sedona, Expression x, Map<String, Rel> scope, String why) {
    Expression body = new Function(sedona, new Function("collect_list", x));
    Integer srid = srid(x, scope);
    if (srid != null && srid > 0) body = new Function("ST_SetSRID", body, new LongValue(srid));
    net.sf.jsqlparser.expression.operators.relational.GreaterThan any =
        new net.sf.jsqlparser.expression.operators.relational.GreaterThan();
    // count(x) would compute x (an overlay, say) a second time: Spark's count(c1, c2, …) counts the rows where
    // x's columns are all non-NULL, which is where x is (the geometry functions give NULL only for NULL input).
    List<Expression> cols = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Column c : Deparsers.walk(x).columns) if (seen.add(c.toString())) cols.add(c);
    any.setLeftExpression(x instanceof Column || cols.isEmpty() ? new Function("count", x)
        : new Function("count", cols.toArray(Expression[]::new)));
    any.setRightExpression(new LongValue(0));
    net.sf.jsqlparser.expression.CaseExpression when = new net.sf.jsqlparser.expression.CaseExpression();
    when.setWhenClauses(List.of(new net.sf.jsqlparser.expression.WhenClause(any, body)));
    translated.add(new Line(lineAt(fn, fn.getName() + "("), fn.toString(), Deparsers.spark(when, replaced), why + "; NULL"
        + " when every value is NULL, as PostGIS gives" + (srid != null && srid > 0 ? "; the SRID re-applied (" + srid
        + ", the input's: Sedona's result has none)" : "; the input's SRID is not known here: the load applies the"
        + " spec's")));
    return when;
  }

  /** Whether both sides of a binary operator are geometries (of a known SRID, from the catalog). */
  private boolean geometries(net.sf.jsqlparser.expression.BinaryExpression b, Map<String, Rel> scope) {
    return srid(b.getLeftExpression(), scope) != null && srid(b.getRightExpression(), scope) != null;
  }

  /**
   * {@code a <-> b} on geometries is their 2D distance since PostGIS 2.2 (PostgreSQL 9.5+; the docs of
   * {@code <->}): Sedona's ST_Distance, the same JTS/GEOS planar distance. On geography it is a sphere
   * distance, on text pg_trgm's: neither is translated.
   */
  private void distance(net.sf.jsqlparser.expression.operators.relational.GeometryDistance d, Map<String, Rel> scope) {
    int line = lineAt(d, "<->");
    if (!geometries(d, scope)) {
      throw refuse(line, d.toString(), "<-> between anything but geometries of a known SRID (geography: a sphere"
          + " distance; text: pg_trgm's similarity distance): not translated in this version");
    }
    Function dist = new Function("ST_Distance", d.getLeftExpression(), d.getRightExpression());
    replaced.put(d, dist);
    translated.add(new Line(line, d.toString(), Deparsers.spark(dist, replaced), "<-> on geometries is their 2D"
        + " distance (PostGIS 2.2+): ST_Distance, exact"));
  }

  /**
   * {@code a ~ b} on geometries: a's bounding box contains b's → the envelopes cover (ST_Covers counts the
   * boundary, as box containment does). On text {@code ~} is a POSIX regular expression, which Java's
   * (Spark's rlike) does not match exactly: refused.
   */
  private void boxContains(net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperator m,
      Map<String, Rel> scope) {
    int line = lineAt(m, "~");
    if (m.getOperatorType() != net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperatorType.MATCH_CASESENSITIVE
        || !geometries(m, scope)) {
      throw refuse(line, m.toString(), "a regular expression match (or ~ on what isn't a geometry of a known SRID):"
          + " PostgreSQL's POSIX expressions and Java's (Spark's rlike) differ; not translated in this version");
    }
    Function covers = new Function("ST_Covers", new Function("ST_Envelope", m.getLeftExpression()),
        new Function("ST_Envelope", m.getRightExpression()));
    replaced.put(m, covers);
    translated.add(new Line(line, m.toString(), Deparsers.spark(covers, replaced), "~ is bounding-box containment:"
        + " the first envelope covers the second"));
    mayDiffer.add(new Line(line, m.toString(), null, "PostGIS compares float4 boxes rounded outward, Sedona exact"
        + " envelopes: boxes whose edges meet within float precision (~1e-7 relative) may differ"));
  }

  /** The report's name for a transform between two EPSG codes (a may-differ line's construct). */
  static String crs(int from, int to) {
    return "EPSG:" + from + " → EPSG:" + to;
  }

  /** The array_agg of {@code (array_agg(x ORDER BY y))[1]}, or null when {@code a} is something else. */
  private static Function firstOfArrayAgg(net.sf.jsqlparser.expression.ArrayExpression a) {
    Expression obj = a.getObjExpression();
    if (obj instanceof ParenthesedExpressionList<?> p && p.size() == 1) obj = (Expression) p.get(0);
    if (!(obj instanceof Function f) || !f.getName().equalsIgnoreCase("array_agg")) return null;
    if (!(a.getIndexExpression() instanceof LongValue i) || i.getValue() != 1) return null;
    if (f.getParameters() == null || f.getParameters().size() != 1 || f.isDistinct()) return null;
    return f.getOrderByElements() != null && f.getOrderByElements().size() == 1 ? f : null;
  }

  /**
   * {@code (array_agg(x ORDER BY y [DESC NULLS LAST]))[1]}, the x of the least (greatest) y →
   * {@code min_by(x, y)} ({@code max_by}). Spark's skip rows whose y is NULL; PostgreSQL sorts them last
   * ascending (so the same) but first descending, which only NULLS LAST matches.
   */
  private void firstOf(net.sf.jsqlparser.expression.ArrayExpression a) {
    Function agg = firstOfArrayAgg(a);
    if (agg == null) return;
    int line = lineAt(a, "array_agg(");
    net.sf.jsqlparser.statement.select.OrderByElement o = agg.getOrderByElements().get(0);
    boolean asc = !o.isAscDescPresent() || o.isAsc();
    boolean nullsLast = o.getNullOrdering() == null ? asc
        : o.getNullOrdering() == net.sf.jsqlparser.statement.select.OrderByElement.NullOrdering.NULLS_LAST;
    if (!nullsLast) {
      throw refuse(line, a.toString(), "the first of an array ordered with NULLs first is a row whose order value is NULL;"
          + " Spark's min_by/max_by skip those: add NULLS LAST to the view (or order by a NOT NULL column)");
    }
    Function by = new Function(asc ? "min_by" : "max_by", (Expression) agg.getParameters().get(0), o.getExpression());
    replaced.put(a, by);
    translated.add(new Line(line, a.toString(), Deparsers.spark(by, replaced), "the first of an ordered array_agg is the"
        + " value at the " + (asc ? "least" : "greatest") + " order value: Spark's " + by.getName()));
    mayDiffer.add(new Line(line, a.toString(), null, "ties on the order value: each engine keeps one of the tied rows;"
        + " a group whose order values are all NULL gives NULL in Spark, a value in PostgreSQL"));
  }

  /**
   * {@code string_agg(x, sep [ORDER BY x])} → the sorted list of x joined: Spark has no ordered string
   * aggregate, so collect, sort and join; NULL (not '') when every x is NULL, as string_agg gives.
   */
  private void stringAgg(Function fn, List<Expression> args) {
    int line = lineAt(fn, "string_agg(");
    if (fn.isDistinct() || args.size() != 2) {
      throw refuse(line, fn.toString(), "string_agg with DISTINCT or without a separator: not translated in this version");
    }
    Expression x = args.get(0);
    List<net.sf.jsqlparser.statement.select.OrderByElement> order = fn.getOrderByElements();
    boolean sorted = order != null && !order.isEmpty();
    if (sorted && (order.size() != 1 || !order.get(0).getExpression().toString().equals(x.toString())
        || order.get(0).isAscDescPresent() && !order.get(0).isAsc() || order.get(0).getNullOrdering() != null)) {
      throw refuse(line, fn.toString(), "string_agg ordered by anything but its own value ascending: not translated in"
          + " this version");
    }
    Function list = new Function("collect_list", x);
    Function joined = new Function("concat_ws", args.get(1), sorted ? new Function("array_sort", list) : list);
    net.sf.jsqlparser.expression.operators.relational.GreaterThan any =
        new net.sf.jsqlparser.expression.operators.relational.GreaterThan();
    any.setLeftExpression(new Function("count", x));
    any.setRightExpression(new LongValue(0));
    net.sf.jsqlparser.expression.CaseExpression when = new net.sf.jsqlparser.expression.CaseExpression();
    when.setWhenClauses(List.of(new net.sf.jsqlparser.expression.WhenClause(any, joined)));
    replaced.put(fn, when);
    translated.add(new Line(line, fn.toString(), Deparsers.spark(when, replaced), "Spark has no ordered string"
        + " aggregate: collect the values, " + (sorted ? "sort them, " : "") + "join them; NULL when there is none, as"
        + " string_agg gives"));
    mayDiffer.add(new Line(line, fn.toString(), null, sorted ? "sorted by Spark's binary (UTF-8 byte) order;"
        + " PostgreSQL sorts by the column's collation: equal under the C collation or for values of one case"
        : "string_agg without ORDER BY joins in no defined order, in PostgreSQL as in Spark: compare as sets"));
  }

  /**
   * The geography casts of {@code fn} when it is one of the geography calls the port knows (ST_Distance and
   * ST_DWithin of two, ST_Length and ST_Area of one, every geometry argument cast), else null.
   */
  private static List<CastExpression> geographyArgs(Function fn) {
    String name = fn.getName().toLowerCase(Locale.ROOT);
    int geoms = switch (name) {
      case "st_distance" -> 2;
      case "st_dwithin" -> 2;
      case "st_length", "st_area" -> 1;
      default -> 0;
    };
    if (geoms == 0 || fn.getParameters() == null) return null;
    int arity = name.equals("st_dwithin") ? 3 : geoms;
    if (fn.getParameters().size() != arity) return null; // use_spheroid given: not ported (refused as geography)
    List<CastExpression> casts = new ArrayList<>();
    for (int i = 0; i < geoms; i++) {
      if (!(fn.getParameters().get(i) instanceof CastExpression c)
          || !c.getColDataType().getDataType().equalsIgnoreCase("geography")) {
        return null;
      }
      casts.add(c);
    }
    return casts;
  }

  /**
   * PostGIS's geography measures (on the WGS84 spheroid, GeographicLib) → Sedona's spheroid functions,
   * which use GeographicLib too (FIELD-NOTES: ~5e-12 relative). Both read lon/lat degrees: the geometries
   * must be EPSG:4326, which the catalog's typmods tell.
   */
  private void translateGeography(Function fn, String name, List<Expression> args, List<CastExpression> casts,
      Map<String, Rel> scope) {
    List<Expression> geoms = new ArrayList<>();
    for (CastExpression c : casts) {
      Integer srid = srid(c.getLeftExpression(), scope);
      if (srid == null || srid != 4326) {
        throw refuse(lineOf("::geography"), c.toString(), "a geography of " + (srid == null ? "a geometry whose SRID the"
            + " catalog doesn't tell" : "SRID " + srid) + ": Sedona's spheroid functions need EPSG:4326 lon/lat");
      }
      geoms.add(c.getLeftExpression());
    }
    Expression after;
    String why;
    switch (name) {
      case "st_distance" -> {
        after = new Function("ST_DistanceSpheroid", geoms.get(0), geoms.get(1));
        why = "geography distance in metres on the spheroid; Sedona's ST_DistanceSpheroid (GeographicLib, as PostGIS)";
      }
      case "st_dwithin" -> {
        net.sf.jsqlparser.expression.operators.relational.MinorThanEquals le =
            new net.sf.jsqlparser.expression.operators.relational.MinorThanEquals();
        le.setLeftExpression(new Function("ST_DistanceSpheroid", geoms.get(0), geoms.get(1)));
        le.setRightExpression(args.get(2));
        after = le;
        why = "geography ST_DWithin is a spheroid distance within r metres; Sedona has no geography ST_DWithin";
      }
      default -> { // st_length
        after = new Function("ST_LengthSpheroid", geoms.get(0));
        why = "geography length in metres on the spheroid; Sedona's ST_LengthSpheroid";
      }
    }
    replaced.put(fn, after);
    translated.add(new Line(lineAt(fn, fn.getName() + "("), fn.toString(), Deparsers.spark(after, replaced), why));
    if (reportedOnce.add("spheroid")) {
      mayDiffer.add(new Line(lineOf("::geography"), "geography → spheroid functions", null, "GeographicLib in both:"
          + " equal to ~5e-12 relative (FIELD-NOTES), inside verify's default float tolerance"));
    }
  }

  // ----------------------------------------------------------------------------------------------- shapes

  /** What {@link #move} left: the WHERE conjuncts and the LEFT JOIN's ON conjuncts that stay in the SQL. */
  private record Moved(List<Expression> where, Join left, String nullable, List<Expression> on, String onBefore) {}

  /**
   * Predicates on one base table go to that source's where (PostgreSQL filters them in the read): WHERE
   * conjuncts on a table that is not a LEFT JOIN's nullable side, and ON conjuncts of a LEFT JOIN on its
   * nullable side alone (which filter that side before the join). They leave the tree.
   */
  private Moved move(PlainSelect main, Map<String, Rel> scope) {
    List<Join> joins = joins(main);
    Join left = joins.stream().filter(Join::isLeft).findFirst().orElse(null);
    String nullable = left != null ? aliasOf(left.getRightItem()) : null;
    List<Expression> whereKept = new ArrayList<>();
    for (Expression c : conjuncts(main.getWhere())) {
      if (!moveToSource(c, scope, nullable, "WHERE")) whereKept.add(c);
    }
    main.setWhere(and(whereKept));
    List<Expression> on = new ArrayList<>();
    String onBefore = null;
    if (left != null) {
      onBefore = String.valueOf(left.getOnExpression());
      for (Expression c : conjuncts(left.getOnExpression())) {
        Set<String> q = qualifiers(c, scope);
        if (q.size() == 1 && q.contains(nullable) && moveToSource(c, scope, null, "ON")) continue;
        on.add(c);
      }
      left.setOnExpressions(List.of(and(on)));
    }
    return new Moved(whereKept, left, nullable, on, onBefore);
  }

  /** A CTE's WHERE and LEFT JOIN as they are (nothing moves into a source from a CTE). */
  private static Moved unmoved(PlainSelect s) {
    Join left = joins(s).stream().filter(Join::isLeft).findFirst().orElse(null);
    String nullable = left != null ? aliasOf(left.getRightItem()) : null;
    List<Expression> on = left == null ? List.of() : conjuncts(left.getOnExpression());
    return new Moved(conjuncts(s.getWhere()), left, nullable, on, left == null ? null : String.valueOf(left.getOnExpression()));
  }

  private String shape(PlainSelect main, Map<String, Rel> scope, Moved moved, StringBuilder with) {
    List<Join> joins = joins(main);
    List<String> aliases = new ArrayList<>(scope.keySet());
    boolean grouped = main.getGroupBy() != null;
    Join left = moved.left();
    if (left != null) {
      String nullable = moved.nullable();
      if (joins.size() != 1) {
        throw refuse(lineOf("LEFT JOIN"), "LEFT JOIN among " + scope.size() + " relations", "a LEFT JOIN with more than two"
            + " relations is not translated in this version");
      }
      for (Expression c : moved.where()) {
        if (qualifiers(c, scope).contains(nullable)) {
          throw refuse(lineOf("WHERE"), c.toString(), "a WHERE on the LEFT JOIN's nullable side (it makes the join an"
              + " inner one): not translated in this version");
        }
      }
      if (spatial(moved.on(), scope)) {
        if (!grouped) {
          throw refuse(lineOf("LEFT JOIN"), "LEFT JOIN … ON " + moved.onBefore(), "a spatial LEFT JOIN is translated"
              + " only under an aggregate in this version");
        }
        return leftSpatialJoin(main, scope, aliases.get(0), nullable, moved, with);
      }
      // Not spatial (an equi join, say): Spark plans a LEFT JOIN as it is.
    }
    if (main.getDistinct() != null && main.getDistinct().getOnSelectItems() != null) {
      return distinctOn(main, scope, with);
    }
    if (main.getOrderByElements() != null) {
      translated.add(new Line(lineOf("ORDER BY"), "ORDER BY …", "(none)", "a table has no row order: readers of the"
          + " view that need one order themselves"));
    }
    if (grouped) {
      String dependent = functionalDependency(main, scope);
      if (dependent != null) return groupThenJoinBack(main, scope, dependent, moved.where(), with);
    }
    return prefix(with) + renderPassThrough(main, scope, "");
  }

  private static String prefix(StringBuilder with) {
    return with.length() == 0 ? "" : with + "\n";
  }

  private static List<Expression> conjuncts(Expression e) {
    List<Expression> out = new ArrayList<>();
    if (e == null) return out;
    if (e instanceof AndExpression a) {
      out.addAll(conjuncts(a.getLeftExpression()));
      out.addAll(conjuncts(a.getRightExpression()));
    } else if (e instanceof ParenthesedExpressionList<?> p && p.size() == 1 && p.get(0) instanceof AndExpression a) {
      out.addAll(conjuncts(a));
    } else {
      out.add(e);
    }
    return out;
  }

  private static Expression and(List<Expression> es) {
    Expression out = null;
    for (Expression e : es) out = out == null ? e : new AndExpression(out, e);
    return out;
  }

  /** Moves {@code c} into its one base table's where when it can; true when it did. */
  private boolean moveToSource(Expression c, Map<String, Rel> scope, String nullable, String clause) {
    Set<String> q = qualifiers(c, scope);
    if (q.size() != 1 || q.contains(null) || q.contains(nullable)) return false;
    Rel rel = scope.get(q.iterator().next());
    if (rel == null || !rel.isBase()) return false;
    // A table read twice (say in a CTE too) shares one source: a where would filter both reads.
    if (reads.getOrDefault(rel.table().schema() + "." + rel.table().name(), 0) > 1) return false;
    Deparsers.Found f = Deparsers.walk(c);
    if (f.functions.stream().anyMatch(KnownFunctions::isAggregate) || !f.subqueries.isEmpty()) return false;
    String where = Deparsers.postgresUnqualified(c);
    Source src = sources.get(rel.table().schema() + "." + rel.table().name());
    src.where().add(where);
    boolean fixedTime = f.casts.stream().anyMatch(k -> k.getColDataType().getDataType().toLowerCase(Locale.ROOT)
        .startsWith("timestamp") && k.getLeftExpression() instanceof StringValue);
    translated.add(new Line(lineOf(firstColumn(c)), c.toString(), "sources." + src.alias() + ".where: " + where,
        "a predicate on " + src.table().name() + " alone (in " + clause + "): PostgreSQL filters it while the job reads,"
            + " as the view did before joining" + (fixedTime ? "; its timestamp is fixed, as in the view: write"
            + " '${logical_date}' instead if each run should move it" : "")));
    return true;
  }

  private static String firstColumn(Expression c) {
    List<Column> cols = Deparsers.walk(c).columns;
    return cols.isEmpty() ? c.toString() : cols.get(0).toString();
  }

  private static final Set<String> SPATIAL_PREDICATES = Set.of("st_contains", "st_intersects", "st_within",
      "st_covers", "st_coveredby", "st_dwithin", "st_touches", "st_crosses", "st_overlaps", "st_equals");

  private static boolean spatial(List<Expression> on, Map<String, Rel> scope) {
    for (Expression c : on) {
      if (c instanceof Function f && SPATIAL_PREDICATES.contains(f.getName().toLowerCase(Locale.ROOT))
          && qualifiers(c, scope).size() == 2) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code L LEFT JOIN R ON spatial GROUP BY L's key}: Sedona plans its spatial join only for an inner
   * join, so the aggregates run over the inner join per key, and L is LEFT JOINed to them on the key.
   */
  private String leftSpatialJoin(PlainSelect main, Map<String, Rel> scope, String l, String r, Moved moved,
      StringBuilder with) {
    List<Expression> on = moved.on();
    List<Expression> whereKept = moved.where();
    Rel lr = scope.get(l);
    if (!lr.isBase()) {
      throw refuse(lineOf("LEFT JOIN"), l, "the preserved side of a spatial LEFT JOIN must be a table in this version");
    }
    List<String> key = lr.table().primaryKey();
    Set<String> groupCols = new LinkedHashSet<>();
    for (Object o : main.getGroupBy().getGroupByExpressionList()) {
      if (!(o instanceof Column c) || !l.equals(qualifierOf(c, scope))) {
        throw refuse(lineOf("GROUP BY"), String.valueOf(o), "with a spatial LEFT JOIN, GROUP BY must list columns of " + l
            + " only in this version");
      }
      groupCols.add(c.getColumnName());
    }
    if (key.isEmpty() || !groupCols.containsAll(key)) {
      throw refuse(lineOf("GROUP BY"), "GROUP BY " + String.join(", ", groupCols), lr.table().name() + "'s primary key "
          + key + " is not in the GROUP BY: the groups aren't one row of " + l + " each, which the rewrite needs");
    }
    if (!whereKept.isEmpty()) {
      throw refuse(lineOf("WHERE"), and(whereKept).toString(), "a WHERE that can't move into a source: not translated"
          + " with a spatial LEFT JOIN in this version");
    }
    String cte = unique("per_" + lr.table().name(), scope.keySet());
    String agg = unique("agg", scope.keySet());
    List<String> inner = new ArrayList<>();
    for (String k : key) inner.add(l + "." + k);
    List<String> outer = new ArrayList<>();
    for (SelectItem<?> it : main.getSelectItems()) {
      String name = outputName(it);
      Expression e = it.getExpression();
      if (!Deparsers.walk(e).subscripts.isEmpty()) {
        throw refuse(lineOf("array_agg("), e.toString(), "an ordered array_agg over a spatial LEFT JOIN: not translated in"
            + " this version");
      }
      if (!Deparsers.walk(e).windows.isEmpty()) {
        throw refuse(lineOf("FILTER"), e.toString(), "an aggregate with FILTER over a spatial LEFT JOIN: not translated"
            + " in this version (over the unmatched row it counts differently)");
      }
      List<Function> aggs = aggregates(e);
      Set<Expression> insideAggs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
      for (Function a : aggs) insideAggs.addAll(Deparsers.walk(a).columns);
      for (Column c : Deparsers.walk(e).columns) {
        if (!insideAggs.contains(c) && !l.equals(qualifierOf(c, scope))) {
          throw refuse(lineOf(c.toString()), c.toString(), "a column of the LEFT JOINed side outside an aggregate");
        }
      }
      int n = 0;
      for (Function a : aggs) {
        String col = aggs.size() == 1 ? name : name + "_" + (++n);
        Deparsers.Found af = Deparsers.walk(a);
        boolean star = a.isAllColumns() || a.getParameters() == null || a.getParameters().isEmpty()
            || a.getParameters().size() == 1 && a.getParameters().get(0) instanceof net.sf.jsqlparser.statement.select.AllColumns;
        if (!star && af.columns.stream().noneMatch(c -> r.equals(qualifierOf(c, scope)))) {
          throw refuse(lineAt(a, a.getName() + "("), a.toString(), "an aggregate over " + l + "'s columns only: over the"
              + " inner join it would miss the rows of " + l + " without a match");
        }
        for (Function g : af.functions) {
          if (Set.of("coalesce", "nullif", "greatest", "least").contains(g.getName().toLowerCase(Locale.ROOT))) {
            throw refuse(lineOf(g.getName() + "("), a.toString(), "an aggregate whose argument isn't NULL when " + r
                + " has no match: its value over the unmatched row can't be told from the inner join");
          }
        }
        if (!af.nullAware.isEmpty()) {
          throw refuse(lineAt(a, a.getName() + "("), a.toString(), "an aggregate over a CASE or IS NULL, which give a value"
              + " when " + r + " has no match: its value over the unmatched row can't be told from the inner join");
        }
        inner.add(Deparsers.spark(a, replaced) + " AS " + col);
        boolean count = a.getName().equalsIgnoreCase("count");
        Column ref = new Column(new net.sf.jsqlparser.schema.Table(agg), col);
        Expression outerExpr = count ? new Function("coalesce", ref, new LongValue(star ? 1 : 0)) : ref;
        replaced.put(a, outerExpr);
        translated.add(new Line(lineAt(a, a.getName() + "("), a.toString(), Deparsers.spark(outerExpr, replaced), count
            ? (star ? "count(*) over a LEFT JOIN counts the unmatched row: 1 where the inner join has no row"
                : "a count over no matching rows is 0 in PostgreSQL; the inner join has no row there")
            : a.getName() + " over no matching rows is NULL in PostgreSQL, as the LEFT JOIN leaves it"));
      }
      outer.add(item(Deparsers.spark(e, replaced), e, name));
    }
    String hint = lr.bytes() <= BROADCAST_BYTES ? "/*+ BROADCAST(" + l + ") */ " : "";
    List<String> keyJoin = new ArrayList<>();
    for (String k : key) keyJoin.add(agg + "." + k + " = " + l + "." + k);
    String onText = Deparsers.spark(and(on), replaced);
    translated.add(new Line(lineOf("LEFT JOIN " + moved.left().getRightItem()), from(main, scope) + " ON " + moved.onBefore(),
        cte + " (inner join, aggregated per " + String.join(", ", key) + "), then " + scope.get(l).name() + " " + l
            + " LEFT JOIN " + cte + " " + agg + " ON " + String.join(" AND ", keyJoin),
        "Sedona plans a spatial join only for an INNER join; a spatial LEFT JOIN would run as a nested loop (FIELD-NOTES)"));
    if (!hint.isEmpty()) {
      translated.add(new Line(lineOf("FROM " + first(main)), lr.table().name() + " (" + lr.bytes() + " bytes)", hint.strip(),
          "a small side is broadcast to the spatial join: sources read over JDBC report no size to Spark"));
    }
    String inCte = with.length() == 0 ? "WITH " : prefix(with).stripTrailing() + ",\n";
    return inCte + cte + " AS (\n  SELECT " + hint + String.join(",\n         ", inner)
        + "\n  FROM " + ref(lr, l) + "\n  JOIN " + ref(scope.get(r), r) + " ON " + onText
        + "\n  GROUP BY " + String.join(", ", key.stream().map(k -> l + "." + k).toList()) + "\n)\n"
        + "SELECT " + String.join(",\n       ", outer) + "\nFROM " + ref(lr, l) + "\nLEFT JOIN " + cte + " " + agg
        + " ON " + String.join(" AND ", keyJoin);
  }

  /** Whether {@code e} aggregates (a call, or one with FILTER). */
  private static boolean hasAggregate(Expression e) {
    Deparsers.Found f = Deparsers.walk(e);
    return !f.windows.isEmpty() || f.functions.stream().anyMatch(KnownFunctions::isAggregate);
  }

  /** The aggregate calls in {@code e} (outermost only: PostgreSQL has no nested aggregates). */
  private static List<Function> aggregates(Expression e) {
    return Deparsers.walk(e).functions.stream().filter(KnownFunctions::isAggregate).toList();
  }

  /**
   * The alias of a table whose primary key is grouped on while other of its columns are selected bare
   * (PostgreSQL's functional dependency; Spark refuses it), or null.
   */
  private String functionalDependency(PlainSelect s, Map<String, Rel> scope) {
    Set<String> grouped = groupedColumns(s, scope);
    for (SelectItem<?> it : s.getSelectItems()) {
      if (hasAggregate(it.getExpression())) continue;
      for (Column c : Deparsers.walk(it.getExpression()).columns) {
        String q = qualifierOf(c, scope);
        if (!grouped.contains(q + "." + c.getColumnName())) {
          Rel rel = scope.get(q);
          if (rel == null || !rel.isBase() || rel.table().primaryKey().isEmpty()
              || !rel.table().primaryKey().stream().allMatch(k -> grouped.contains(q + "." + k))) {
            throw refuse(lineOf(c.toString()), c.toString(), "selected but neither grouped nor functionally dependent on a"
                + " grouped primary key");
          }
          return q;
        }
      }
    }
    return null;
  }

  private static Set<String> groupedColumns(PlainSelect s, Map<String, Rel> scope) {
    Set<String> out = new LinkedHashSet<>();
    for (Object o : s.getGroupBy().getGroupByExpressionList()) {
      if (o instanceof Column c) out.add(qualifierOf(c, scope) + "." + c.getColumnName());
    }
    return out;
  }

  /**
   * GROUP BY t's key with other columns of t selected: group by the key in a CTE, then join t back on the
   * key for those columns.
   */
  private String groupThenJoinBack(PlainSelect s, Map<String, Rel> scope, String t, List<Expression> whereKept,
      StringBuilder with) {
    Rel tr = scope.get(t);
    Set<String> grouped = groupedColumns(s, scope);
    String cte = unique("grouped", scope.keySet());
    String g = unique("g", scope.keySet());
    String back = unique(t + "_cols", scope.keySet());
    List<String> inner = new ArrayList<>();
    List<String> outer = new ArrayList<>();
    Map<String, String> keyNames = new LinkedHashMap<>();
    for (SelectItem<?> it : s.getSelectItems()) {
      if (it.getExpression() instanceof Column c && t.equals(qualifierOf(c, scope))
          && tr.table().primaryKey().contains(c.getColumnName())) {
        keyNames.put(c.getColumnName(), outputName(it));
      }
    }
    List<String> dependent = new ArrayList<>();
    for (SelectItem<?> it : s.getSelectItems()) {
      String name = outputName(it);
      Expression e = it.getExpression();
      boolean dep = !hasAggregate(e) && Deparsers.walk(e).columns.stream()
          .anyMatch(c -> !grouped.contains(qualifierOf(c, scope) + "." + c.getColumnName()));
      if (dep) {
        if (!qualifiers(e, scope).equals(Set.of(t))) {
          throw refuse(lineOf(name), e.toString(), "mixes columns of several tables outside the GROUP BY");
        }
        dependent.add(e.toString());
      } else {
        inner.add(item(Deparsers.spark(e, replaced), e, name));
      }
    }
    for (String k : tr.table().primaryKey()) {
      if (!keyNames.containsKey(k)) {
        keyNames.put(k, "_" + t + "_" + k);
        inner.add(t + "." + k + " AS _" + t + "_" + k);
      }
    }
    // Re-point the dependent columns at the joined-back copy of t through the tree.
    for (SelectItem<?> it : s.getSelectItems()) {
      String name = outputName(it);
      Expression e = it.getExpression();
      if (dependent.contains(e.toString())) {
        Map<Expression, Expression> repoint = new IdentityHashMap<>(replaced);
        for (Column c : Deparsers.walk(e).columns) {
          repoint.put(c, new Column(new net.sf.jsqlparser.schema.Table(back), c.getColumnName()));
        }
        outer.add(item(Deparsers.spark(e, repoint), e, name));
      } else {
        outer.add(g + "." + name);
      }
    }
    List<String> keyJoin = new ArrayList<>();
    for (Map.Entry<String, String> k : keyNames.entrySet()) keyJoin.add(back + "." + k.getKey() + " = " + g + "." + k.getValue());
    List<String> groupBy = new ArrayList<>();
    for (Object o : s.getGroupBy().getGroupByExpressionList()) groupBy.add(Deparsers.spark((Expression) o, replaced));
    translated.add(new Line(lineOf("GROUP BY"), "GROUP BY " + String.join(", ", groupBy) + " selecting " + String.join(", ", dependent),
        "CTE " + cte + " " + g + " (the same GROUP BY, without " + t + "'s other columns), then JOIN " + tr.name() + " "
            + back + " ON " + String.join(" AND ", keyJoin),
        "PostgreSQL allows selecting columns of a table whose primary key is grouped (functional dependency);"
            + " Spark refuses them: group by the key, join the columns back"));
    String where = whereKept.isEmpty() ? "" : "\n  WHERE " + Deparsers.spark(and(whereKept), replaced);
    String inCte = with.length() == 0 ? "WITH " : prefix(with).stripTrailing() + ",\n";
    return inCte + cte + " AS (\n  SELECT " + broadcastHint(s, scope) + String.join(",\n         ", inner) + "\n  FROM "
        + fromSpark(s, scope) + where + "\n  GROUP BY " + String.join(", ", groupBy) + "\n)\n"
        + "SELECT " + String.join(",\n       ", outer) + "\nFROM " + cte + " " + g + "\nJOIN " + tr.name() + " " + back
        + " ON " + String.join(" AND ", keyJoin);
  }

  /**
   * {@code SELECT DISTINCT ON (k) … ORDER BY k, o}: the first row per k in that order → row_number() over
   * a window partitioned by k, ordered by o, kept where it is 1. PostgreSQL sorts NULLs last ascending and
   * first descending, Spark the other way round: the order names PostgreSQL's placement.
   */
  private String distinctOn(PlainSelect s, Map<String, Rel> scope, StringBuilder with) {
    int line = lineOf("DISTINCT ON");
    List<String> partition = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (SelectItem<?> k : s.getDistinct().getOnSelectItems()) {
      partition.add(Deparsers.spark(k.getExpression(), replaced));
      keys.add(k.getExpression().toString());
    }
    List<net.sf.jsqlparser.statement.select.OrderByElement> order = s.getOrderByElements() == null ? List.of()
        : s.getOrderByElements();
    // PostgreSQL requires the ORDER BY to start with the DISTINCT ON expressions: the rest orders within a key.
    List<String> by = new ArrayList<>();
    for (net.sf.jsqlparser.statement.select.OrderByElement o : order) {
      if (keys.contains(o.getExpression().toString())) continue;
      boolean asc = !o.isAscDescPresent() || o.isAsc();
      String nulls = o.getNullOrdering() != null
          ? (o.getNullOrdering() == net.sf.jsqlparser.statement.select.OrderByElement.NullOrdering.NULLS_FIRST ? "FIRST" : "LAST")
          : asc ? "LAST" : "FIRST";
      by.add(Deparsers.spark(o.getExpression(), replaced) + (asc ? " ASC" : " DESC") + " NULLS " + nulls);
    }
    if (by.isEmpty()) {
      throw refuse(line, "DISTINCT ON without an ORDER BY beyond its keys", "PostgreSQL keeps an arbitrary row per key:"
          + " no port can promise the same one");
    }
    String ranked = unique("ranked", scope.keySet());
    String rn = "_geoswap_rn";
    List<String> names = new ArrayList<>();
    List<String> items = new ArrayList<>();
    for (SelectItem<?> it : s.getSelectItems()) {
      String name = outputName(it);
      names.add(name);
      items.add(item(Deparsers.spark(it.getExpression(), replaced), it.getExpression(), name));
    }
    String window = "row_number() OVER (PARTITION BY " + String.join(", ", partition) + " ORDER BY " + String.join(", ", by) + ")";
    translated.add(new Line(line, "DISTINCT ON (" + String.join(", ", keys) + ") … ORDER BY …", window + " = 1",
        "Spark has no DISTINCT ON: number the rows per key in the view's order, keep the first; NULLs placed as"
            + " PostgreSQL places them"));
    mayDiffer.add(new Line(line, "DISTINCT ON", null, "rows that tie on the whole ORDER BY: PostgreSQL and Spark each"
        + " keep one of them, not necessarily the same; order by a unique column last to rule it out"));
    String where = s.getWhere() == null ? "" : "\n  WHERE " + Deparsers.spark(s.getWhere(), replaced);
    String inCte = with.length() == 0 ? "WITH " : prefix(with).stripTrailing() + ",\n";
    return inCte + ranked + " AS (\n  SELECT " + String.join(",\n         ", items) + ",\n         " + window + " AS " + rn
        + "\n  FROM " + fromSpark(s, scope) + where + "\n)\nSELECT " + String.join(", ", names) + "\nFROM " + ranked
        + "\nWHERE " + rn + " = 1";
  }

  // --------------------------------------------------------------------------------------------- printing

  private String renderPassThrough(PlainSelect s, Map<String, Rel> scope, String indent) {
    List<String> items = new ArrayList<>();
    for (SelectItem<?> it : s.getSelectItems()) items.add(item(Deparsers.spark(it.getExpression(), replaced), it.getExpression(), outputName(it)));
    String distinct = s.getDistinct() != null ? "DISTINCT " : "";
    StringBuilder b = new StringBuilder(indent + "SELECT " + broadcastHint(s, scope) + distinct + String.join(",\n" + indent + "       ", items));
    b.append("\n").append(indent).append("FROM ").append(fromSpark(s, scope));
    if (s.getWhere() != null) b.append("\n").append(indent).append("WHERE ").append(Deparsers.spark(s.getWhere(), replaced));
    if (s.getGroupBy() != null) {
      List<String> g = new ArrayList<>();
      for (Object o : s.getGroupBy().getGroupByExpressionList()) g.add(Deparsers.spark((Expression) o, replaced));
      b.append("\n").append(indent).append("GROUP BY ").append(String.join(", ", g));
    }
    return b.toString();
  }

  /** A broadcast hint for the smaller base side of an inner spatial join, when it is small. */
  private String broadcastHint(PlainSelect s, Map<String, Rel> scope) {
    List<Join> joins = joins(s);
    if (joins.size() != 1 || joins.get(0).isLeft()) return "";
    List<Expression> on = new ArrayList<>(conjuncts(joins.get(0).getOnExpression()));
    if (!spatial(on, scope)) return "";
    String small = null;
    long least = Long.MAX_VALUE;
    for (Map.Entry<String, Rel> e : scope.entrySet()) {
      if (e.getValue().bytes() < least) {
        least = e.getValue().bytes();
        small = e.getKey();
      }
    }
    if (small == null || least > BROADCAST_BYTES) return "";
    Rel rel = scope.get(small);
    if (reportedOnce.add("broadcast:" + small)) {
      translated.add(new Line(lineOf("JOIN"), rel.name() + " (" + least + " bytes)", "/*+ BROADCAST(" + small + ") */",
          "the smaller side is broadcast to the spatial join: sources read over JDBC report no size to Spark"));
    }
    return "/*+ BROADCAST(" + small + ") */ ";
  }

  private String fromSpark(PlainSelect s, Map<String, Rel> scope) {
    StringBuilder b = new StringBuilder();
    String firstAlias = aliasOf(first(s));
    b.append(ref(scope.get(firstAlias), firstAlias));
    for (Join j : joins(s)) {
      String a = aliasOf(j.getRightItem());
      if (j.isSimple()) {
        b.append(", ").append(ref(scope.get(a), a));
        continue;
      }
      b.append(j.isLeft() ? " LEFT JOIN " : j.isCross() ? " CROSS JOIN " : " JOIN ").append(ref(scope.get(a), a));
      if (j.getOnExpression() != null) b.append(" ON ").append(Deparsers.spark(j.getOnExpression(), replaced));
    }
    return b.toString();
  }

  /** The FROM as PostgreSQL wrote it, for a report line. */
  private static String from(PlainSelect s, Map<String, Rel> scope) {
    StringBuilder b = new StringBuilder(first(s).toString());
    for (Join j : joins(s)) b.append(j.isLeft() ? " LEFT JOIN " : " JOIN ").append(j.getRightItem());
    return b.toString();
  }

  private static String ref(Rel rel, String alias) {
    return rel.name().equals(alias) ? rel.name() : rel.name() + " " + alias;
  }

  private static String item(String sparkText, Expression e, String name) {
    if (e instanceof Column c && c.getColumnName().equals(name)) return sparkText;
    return sparkText + " AS " + name;
  }

  /** A select item's column name, as PostgreSQL names it. */
  static String outputName(SelectItem<?> it) {
    if (it.getAlias() != null) return it.getAlias().getName();
    if (it.getExpression() instanceof Column c) return c.getColumnName();
    if (it.getExpression() instanceof Function f) return f.getName().toLowerCase(Locale.ROOT);
    return "?column?";
  }

  private String unique(String base, Set<String> taken) {
    String n = base;
    for (int i = 2; taken.contains(n) || generated.contains(n); i++) n = base + i;
    generated.add(n);
    return n;
  }

  // ------------------------------------------------------------------------------------------------ lines

  private int lineOf(String needle) {
    return lineOf(needle, 1);
  }

  /**
   * The line of {@code node}: its own text as JSqlParser prints it, searched as tokens (which PostgreSQL's
   * print matches up to spacing and case), else the next {@code needle}.
   */
  private int lineAt(Object node, String needle) {
    int line = lines.lineOf(node.toString(), -1);
    return line > 0 ? line : lineOf(needle);
  }

  /** The definition's line where {@code needle} next occurs (a token search: {@link DefinitionLines}). */
  private int lineOf(String needle, int fallback) {
    return lines.lineOf(needle, fallback);
  }
}
