package io.geoswap.common;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one place identifiers reach SQL. Every schema, table, column and index name geoswap writes into a
 * statement goes through {@link #ident}; values are always bound as parameters, never concatenated.
 *
 * <p>Names are restricted to lower-case unquoted-style identifiers so that what users write in the spec
 * means the same in PostgreSQL and in Spark SQL, and is cut by neither (PostgreSQL truncates identifiers
 * at NAMEDATALEN-1 = 63 bytes: docs, "4.1.1 Identifiers and Key Words").
 */
public final class Sql {
  public static final int MAX_IDENTIFIER_BYTES = 63;
  private static final Pattern SAFE = Pattern.compile("^[a-z_][a-z0-9_]*$");

  private Sql() {}

  /** Why {@code name} can't be used as an identifier, or null when it can. */
  public static String identifierProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "must not be empty";
    }
    if (name.length() > MAX_IDENTIFIER_BYTES) {
      return "'" + printable(name) + "' is longer than " + MAX_IDENTIFIER_BYTES + " characters";
    }
    if (!SAFE.matcher(name).matches()) {
      return "'" + printable(name) + "' is not a safe identifier (lower-case letters, digits and _, not starting with a digit)";
    }
    return null;
  }

  /** Validates and double-quotes one identifier. */
  public static String ident(String name) {
    String problem = identifierProblem(name);
    if (problem != null) {
      throw GeoswapException.usage("unsafe identifier: " + problem);
    }
    return '"' + name + '"';
  }

  /** {@code "schema"."name"}. */
  public static String qualified(String schema, String name) {
    return ident(schema) + "." + ident(name);
  }

  /** A comma-separated list of quoted identifiers. */
  public static String idents(List<String> names) {
    return names.stream().map(Sql::ident).collect(Collectors.joining(", "));
  }

  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
