package io.geoswap.job.transform;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Text;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.CallMethodViaReflection;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.PlanExpression;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.JavaConverters;

/**
 * Turns a transform's SQL into a Spark plan, refusing what a transform may not do: it is one query (a
 * statement such as {@code CREATE TEMPORARY VIEW … USING csv OPTIONS (path …)} or {@code SET} would run on
 * {@code spark.sql} itself, before any check), and it calls no Java method ({@code reflect},
 * {@code java_method}: e.g. {@code System.getenv('PGPASSWORD')} into the result). Reading files by path
 * ({@code SELECT * FROM text.`/etc/passwd`}) is off in the session ({@code spark.sql.runSQLOnFiles}).
 * Errors quote Spark's first line and the one offending line of the file, never the whole file.
 */
public final class TransformPlan {
  private TransformPlan() {}

  public static Dataset<Row> plan(SparkSession spark, String sql, String location) {
    try {
      LogicalPlan parsed = spark.sessionState().sqlParser().parsePlan(sql);
      if (parsed instanceof Command || parsed.getClass().getSimpleName().endsWith("Statement")) {
        throw GeoswapException.usage("transform " + location + " must be one query (SELECT, or WITH … SELECT),"
            + " not a " + parsed.nodeName() + " statement");
      }
      Dataset<Row> planned = spark.sql(sql);
      String call = reflectiveCall(planned.queryExecution().analyzed());
      if (call != null) {
        throw GeoswapException.usage("transform " + location + " calls " + call
            + ": calling Java methods from SQL is not allowed in a transform");
      }
      return planned;
    } catch (GeoswapException e) {
      throw e;
    } catch (Exception e) {
      // Scala throws AnalysisException (and ParseException, a subclass) undeclared: both mean the SQL
      // file needs fixing. Anything else is not the user's.
      if (!(e instanceof AnalysisException a)) {
        if (e instanceof RuntimeException r) throw r;
        throw new IllegalStateException(e);
      }
      throw GeoswapException.usage("transform " + location + " failed: " + sqlError(a, sql), e);
    }
  }

  /** The first reflective call in {@code plan} (subqueries included), as SQL names it; null if none. */
  static String reflectiveCall(LogicalPlan plan) {
    Deque<LogicalPlan> plans = new ArrayDeque<>();
    plans.push(plan);
    while (!plans.isEmpty()) {
      LogicalPlan p = plans.pop();
      JavaConverters.seqAsJavaList(p.children()).forEach(plans::push);
      Deque<Expression> expressions = new ArrayDeque<>(JavaConverters.seqAsJavaList(p.expressions()));
      while (!expressions.isEmpty()) {
        Expression e = expressions.pop();
        if (e instanceof CallMethodViaReflection r) return r.prettyName() + "(…)";
        if (e instanceof PlanExpression<?> sub && sub.plan() instanceof LogicalPlan lp) plans.push(lp);
        JavaConverters.seqAsJavaList(e.children()).forEach(expressions::push);
      }
    }
    return null;
  }

  /**
   * Spark's first line (its error class and words) and the one offending line of the file, each bounded:
   * Spark's full message reprints the whole SQL (ParseException's "== SQL ==" section, plans), and a
   * message must never quote a file beyond its offending line (the redactor masks known secrets besides).
   */
  static String sqlError(AnalysisException e, String sql) {
    String first = Text.firstLine(String.valueOf(e.getMessage()).strip(), 300);
    if (e.line().isEmpty()) return first;
    int line = (Integer) e.line().get();
    String[] lines = sql.split("\n", -1);
    String text = line >= 1 && line <= lines.length ? lines[line - 1] : "";
    return first + (first.contains("line " + line) ? "" : " (line " + line + ")") + ": "
        + Text.clip(text, Text.MAX_QUOTED);
  }
}
