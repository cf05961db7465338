package io.geoswap.common.spec;

import io.geoswap.common.GeoswapException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${name}} placeholders in a spec's SQL. Only the names in {@link #KNOWN} exist; their values are
 * validated (timestamps, safe identifiers) before they are substituted, so substitution can't inject SQL.
 */
public final class Placeholders {
  public static final Set<String> KNOWN =
      Set.of("logical_date", "data_interval_start", "data_interval_end", "run_after", "table", "version");
  /** Those only the validate step has (the table being checked). */
  public static final Set<String> CHECK_ONLY = Set.of("table");
  /**
   * {@code ${source_rows.<source>}}, checks only: the rows the build read from that source (after
   * {@code on_invalid_geometry} dropped any), as the registry recorded them.
   */
  public static final String SOURCE_ROWS = "source_rows.";

  /** The source a {@code ${source_rows.<source>}} names, else null. */
  public static String sourceRowsOf(String name) {
    return name.startsWith(SOURCE_ROWS) ? name.substring(SOURCE_ROWS.length()) : null;
  }
  private static final Pattern REF = Pattern.compile("\\$\\{([^}]*)}");

  private Placeholders() {}

  /** The placeholder names {@code text} uses, in order of appearance. */
  public static Set<String> used(String text) {
    Set<String> names = new LinkedHashSet<>();
    if (text != null) {
      Matcher m = REF.matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** The option that gives a placeholder its value; ${logical_date} falls back to run_after (RunParams). */
  private static String hint(String name) {
    if (name.equals("logical_date")) return " (pass --logical-date or --run-after)";
    if (name.startsWith("data_interval") || name.equals("run_after")) return " (pass --" + name.replace('_', '-') + ")";
    // The spec names the source (SpecLoader checks that), so the version's build recorded no count for it.
    if (name.startsWith(SOURCE_ROWS)) {
      return ": the version's build recorded no rows read from " + name.substring(SOURCE_ROWS.length())
          + " (built before geoswap recorded them, or before the spec had that source); rebuild the version";
    }
    return "";
  }

  /** Replaces every placeholder; one without a value is a usage error naming {@code where}. */
  public static String substitute(String text, Map<String, String> values, String where) {
    if (text == null) {
      return null;
    }
    Matcher m = REF.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw GeoswapException.usage(
            where + " uses ${" + m.group(1) + "} but no value was given" + hint(m.group(1)));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
