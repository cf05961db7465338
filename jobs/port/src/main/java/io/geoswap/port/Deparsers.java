package io.geoswap.port;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.util.deparser.SelectDeParser;
import net.sf.jsqlparser.util.deparser.ExpressionDeParser;

/**
 * Prints JSqlParser expression trees back as text, three ways: as Spark SQL (PostgreSQL's {@code ::} casts
 * become {@code CAST(… AS spark type)}, and nodes the port replaced print as their replacement: the tree is
 * rewritten by node identity, never by matching text), as PostgreSQL without table qualifiers (a predicate
 * moved into a source's {@code where}, which PostgreSQL runs against the table itself), and as a walk that
 * only collects the nodes it meets (every function, cast, column and subquery of an expression).
 */
final class Deparsers {
  private Deparsers() {}

  /** Spark SQL for {@code e}; {@code replaced} maps nodes (by identity) to what prints in their place. */
  static String spark(Expression e, Map<Expression, Expression> replaced) {
    StringBuilder b = new StringBuilder();
    Spark d = new Spark(replaced);
    d.setBuilder(b);
    SelectDeParser s = new SelectDeParser(d, b);
    d.setSelectVisitor(s);
    e.accept(d, null);
    return b.toString();
  }

  /** PostgreSQL text of {@code e} with columns unqualified (for a source's {@code where}). */
  static String postgresUnqualified(Expression e) {
    StringBuilder b = new StringBuilder();
    ExpressionDeParser d = new ExpressionDeParser() {
      @Override
      public <S> StringBuilder visit(Column column, S context) {
        getBuilder().append(column.getColumnName());
        return getBuilder();
      }
    };
    d.setBuilder(b);
    d.setSelectVisitor(new SelectDeParser(d, b));
    e.accept(d, null);
    return b.toString();
  }

  /** What a walk of an expression met, in the order it met them. */
  static final class Found {
    final List<net.sf.jsqlparser.expression.Function> functions = new ArrayList<>();
    final List<AnalyticExpression> windows = new ArrayList<>();
    final List<CastExpression> casts = new ArrayList<>();
    final List<Column> columns = new ArrayList<>();
    final List<Select> subqueries = new ArrayList<>();
    final List<net.sf.jsqlparser.expression.operators.relational.DoubleAnd> boxOverlaps = new ArrayList<>();
    final List<net.sf.jsqlparser.expression.ArrayExpression> subscripts = new ArrayList<>();
    /** {@code <->}: PostGIS's distance operator (also pg_trgm's and the geometric types'). */
    final List<net.sf.jsqlparser.expression.operators.relational.GeometryDistance> distances = new ArrayList<>();
    /** {@code ~}: PostGIS's box containment on geometries, a regular expression match on text. */
    final List<net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperator> tildes = new ArrayList<>();
    /** EXTRACT(field FROM x): a date function read in the session's time zone for a timestamptz. */
    final List<net.sf.jsqlparser.expression.ExtractExpression> extracts = new ArrayList<>();
    /** CASE and IS [NOT] NULL: expressions that give a value for NULL input. */
    final List<Expression> nullAware = new ArrayList<>();
  }

  /** Every function, window call, cast, column and subquery in {@code e}. */
  static Found walk(Expression e) {
    Found f = new Found();
    StringBuilder b = new StringBuilder();
    ExpressionDeParser d = new ExpressionDeParser() {
      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.Function function, S context) {
        f.functions.add(function);
        return super.visit(function, context);
      }

      @Override
      public <S> StringBuilder visit(AnalyticExpression a, S context) {
        f.windows.add(a);
        return super.visit(a, context);
      }

      @Override
      public <S> StringBuilder visit(CastExpression c, S context) {
        f.casts.add(c);
        return super.visit(c, context);
      }

      @Override
      public <S> StringBuilder visit(Column column, S context) {
        f.columns.add(column);
        return super.visit(column, context);
      }

      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.ArrayExpression a, S context) {
        f.subscripts.add(a);
        return super.visit(a, context);
      }

      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.operators.relational.DoubleAnd and, S context) {
        f.boxOverlaps.add(and);
        return super.visit(and, context);
      }

      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.operators.relational.GeometryDistance d, S context) {
        f.distances.add(d);
        return super.visit(d, context);
      }

      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperator m, S context) {
        f.tildes.add(m);
        return super.visit(m, context);
      }

      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.ExtractExpression x, S context) {
        f.extracts.add(x);
        return super.visit(x, context);
      }

      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.CaseExpression c, S context) {
        f.nullAware.add(c);
        return super.visit(c, context);
      }

      @Override
      public <S> StringBuilder visit(net.sf.jsqlparser.expression.operators.relational.IsNullExpression n, S context) {
        f.nullAware.add(n);
        return super.visit(n, context);
      }

      @Override
      public <S> StringBuilder visit(ParenthesedSelect select, S context) {
        f.subqueries.add(select);
        return getBuilder();
      }

      @Override
      public <S> StringBuilder visit(Select select, S context) {
        f.subqueries.add(select);
        return getBuilder();
      }
    };
    d.setBuilder(b);
    d.setSelectVisitor(new SelectDeParser(d, b));
    e.accept(d, null);
    return f;
  }

  /** PostgreSQL's type name (as pg_get_viewdef prints it) → Spark's, or null when there is none. */
  static String sparkType(String pgType, List<String> args) {
    String t = pgType.toLowerCase(Locale.ROOT).strip();
    int paren = t.indexOf('(');
    if (paren > 0 && t.endsWith(")")) {
      // JSqlParser keeps a type's modifiers in its name ("numeric (10, 2)"): split them off.
      args = List.of(t.substring(paren + 1, t.length() - 1).replace(" ", "").split(","));
      t = t.substring(0, paren).strip();
    }
    return switch (t) {
      case "bigint", "int8" -> "BIGINT";
      case "integer", "int", "int4" -> "INT";
      case "smallint", "int2" -> "SMALLINT";
      case "double precision", "float8" -> "DOUBLE";
      case "real", "float4" -> "FLOAT";
      // PostgreSQL's unconstrained numeric has no Spark equivalent; Spark's bare DECIMAL is (10,0) and
      // would cut the fraction, so the widest decimal with 18 fraction digits stands in (the report says so).
      case "numeric", "decimal" -> args == null || args.isEmpty() ? "DECIMAL(38,18)" : "DECIMAL(" + String.join(",", args) + ")";
      case "text", "character varying", "varchar", "character", "char", "bpchar", "name" -> "STRING";
      case "boolean", "bool" -> "BOOLEAN";
      case "date" -> "DATE";
      case "timestamp with time zone", "timestamptz", "timestamp", "timestamp without time zone" -> "TIMESTAMP";
      default -> null;
    };
  }

  private static final class Spark extends ExpressionDeParser {
    private final Map<Expression, Expression> replaced;

    Spark(Map<Expression, Expression> replaced) {
      this.replaced = replaced == null ? new IdentityHashMap<>() : replaced;
    }

    private <S> StringBuilder instead(Expression e, S context, Function<Void, StringBuilder> otherwise) {
      Expression r = replaced.get(e);
      if (r != null && r != e) return r.accept(this, context);
      return otherwise.apply(null);
    }

    @Override
    public <S> StringBuilder visit(net.sf.jsqlparser.expression.Function function, S context) {
      return instead(function, context, v -> {
        // Sedona's spelling of a known function (Spark resolves names case-insensitively; this is for
        // the reader): printed, never written into the tree, which keeps PostgreSQL's text for the report.
        String pg = function.getName();
        String sedona = KnownFunctions.sedonaName(pg);
        if (sedona == null || sedona.equals(pg)) return super.visit(function, context);
        function.setName(sedona);
        try {
          return super.visit(function, context);
        } finally {
          function.setName(pg);
        }
      });
    }

    @Override
    public <S> StringBuilder visit(Column column, S context) {
      return instead(column, context, v -> super.visit(column, context));
    }

    @Override
    public <S> StringBuilder visit(net.sf.jsqlparser.expression.operators.relational.DoubleAnd and, S context) {
      return instead(and, context, v -> super.visit(and, context));
    }

    @Override
    public <S> StringBuilder visit(net.sf.jsqlparser.expression.ArrayExpression a, S context) {
      return instead(a, context, v -> super.visit(a, context));
    }

    @Override
    public <S> StringBuilder visit(net.sf.jsqlparser.expression.operators.relational.GeometryDistance d, S context) {
      return instead(d, context, v -> super.visit(d, context));
    }

    @Override
    public <S> StringBuilder visit(net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperator m, S context) {
      return instead(m, context, v -> super.visit(m, context));
    }

    @Override
    public <S> StringBuilder visit(CastExpression cast, S context) {
      return instead(cast, context, v -> {
        String type = sparkType(cast.getColDataType().getDataType(), cast.getColDataType().getArgumentsStringList());
        if (type == null) return super.visit(cast, context); // refused before printing (SqlPort)
        getBuilder().append("CAST(");
        Expression left = cast.getLeftExpression();
        if (left instanceof ParenthesedExpressionList<?> p && p.size() == 1) left = (Expression) p.get(0);
        left.accept(this, context);
        getBuilder().append(" AS ").append(type).append(')');
        return getBuilder();
      });
    }
  }
}
