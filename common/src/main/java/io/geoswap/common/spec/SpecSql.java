package io.geoswap.common.spec;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.Text;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import org.postgresql.core.NativeQuery;
import org.postgresql.core.Parser;

/**
 * The rules for SQL a spec sends to PostgreSQL (a source's {@code where}, a check): exactly one statement,
 * and a {@code where} is one boolean expression. Checked when the spec is loaded, and again where the text
 * is sent, after its placeholders are substituted.
 *
 * <p>Why two guards: pgjdbc splits a string at top-level semicolons and runs every piece (in one extended-
 * protocol batch), so "one statement" can't be left to the server. {@link #statementProblem} asks pgjdbc's
 * own parser how many statements it would send; when it says one, pgjdbc sends the text in a single Parse
 * message, which the server refuses if it holds more ("cannot insert multiple commands into a prepared
 * statement", PostgreSQL docs "55.2.3. Extended Query"). So a string is run as one statement or not at all.
 */
public final class SpecSql {
  /** Values that stand in for placeholders while a spec's text is checked (the real ones are validated alike). */
  private static final Map<String, String> SAMPLE_VALUES = Map.of(
      "logical_date", "2000-01-01T00:00:00Z", "data_interval_start", "2000-01-01T00:00:00Z",
      "data_interval_end", "2000-01-01T00:00:00Z", "run_after", "2000-01-01T00:00:00Z",
      "version", "v1", "table", "\"geoswap\".\"t\"");

  private SpecSql() {}

  /** Why {@code where} (placeholders allowed) is not one boolean expression, or null when it is. */
  public static String whereProblem(String where) {
    if (where == null) return null;
    if (where.isBlank()) return "is empty";
    String text = withSampleValues(where);
    try {
      CCJSqlParserUtil.parseCondExpression(text, false);
    } catch (JSQLParserException | RuntimeException e) {
      String cause = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      return "must be one boolean expression (what follows WHERE), not: '" + Text.clip(where, Text.MAX_QUOTED)
          + "' (" + Text.firstLine(cause, 160) + ")";
    }
    String statements = statementProblem(text);
    return statements == null ? null : "must be one boolean expression: " + statements;
  }

  /** Why {@code sql} is not exactly one statement as pgjdbc would send it, or null when it is. */
  public static String statementProblem(String sql) {
    if (sql == null || sql.isBlank()) return "is empty";
    try {
      var queries = Parser.parseJdbcSql(sql, true, false, true, false, false);
      long nonEmpty = queries.stream().map((NativeQuery q) -> q.nativeSql.strip()).filter(s -> !s.isEmpty()).count();
      if (nonEmpty != 1) {
        return nonEmpty == 0 ? "is empty" : "holds " + nonEmpty + " statements; exactly one is allowed"
            + " (a semicolon ends a statement)";
      }
      return null;
    } catch (SQLException e) {
      return "can't be read as SQL: " + Text.firstLine(e.getMessage(), 160);
    }
  }

  /**
   * Prepares {@code sql} (placeholders already substituted) as exactly one statement, or refuses it with a
   * usage error naming {@code key}.
   */
  public static PreparedStatement prepare(Connection c, String sql, String key) throws SQLException {
    String problem = statementProblem(sql);
    if (problem != null) throw GeoswapException.usage(key + ": " + problem);
    return c.prepareStatement(sql);
  }

  /** Checks {@code sql} at load time: placeholders stand in for their (validated) values. */
  static String queryProblem(String sql) {
    return sql == null ? null : statementProblem(withSampleValues(sql));
  }

  private static String withSampleValues(String text) {
    Map<String, String> values = new HashMap<>(SAMPLE_VALUES);
    for (String name : Placeholders.used(text)) values.putIfAbsent(name, "x");
    return Placeholders.substitute(text, values, "check");
  }
}
