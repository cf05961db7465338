package io.geoswap.common.db;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Text;
import java.sql.SQLException;

/**
 * Maps PostgreSQL errors to geoswap's exit codes by SQLSTATE class (PostgreSQL docs, "Appendix A.
 * PostgreSQL Error Codes"): what a retry may fix is TEMPORARY, what the user must fix is USAGE or DATA.
 */
public final class DbErrors {
  private DbErrors() {}

  public static int exitCode(SQLException e) {
    String state = e.getSQLState();
    if (state == null) return ExitCode.UNEXPECTED.code();
    if (state.startsWith("08")) return ExitCode.TEMPORARY.code(); // connection exception
    if (state.equals("28P01") || state.startsWith("28")) return ExitCode.USAGE.code(); // bad credentials
    if (state.equals("3D000") || state.equals("3F000")) return ExitCode.USAGE.code(); // no such database / schema
    if (state.equals("55P03") || state.equals("40001") || state.equals("40P01")) return ExitCode.TEMPORARY.code();
    if (state.startsWith("57P") || state.startsWith("53")) return ExitCode.TEMPORARY.code(); // shutdown, resources
    if (state.equals("57014")) return ExitCode.TEMPORARY.code(); // canceled / statement_timeout
    if (state.startsWith("42")) return ExitCode.USAGE.code(); // syntax, undefined object, privilege
    if (state.startsWith("22") || state.startsWith("23")) return ExitCode.DATA.code(); // data / integrity
    return ExitCode.UNEXPECTED.code();
  }

  /** A one-line, secret-free error for {@code e} while doing {@code what}. */
  public static GeoswapException translate(String what, SQLException e) {
    int code = exitCode(e);
    String message = Text.oneLine(e.getMessage());
    String hint = ExitCode.of(code) == ExitCode.TEMPORARY ? " (temporary; a retry may succeed)" : "";
    if (e.getSQLState() != null && e.getSQLState().startsWith("28")) {
      hint = " (check the user and password, or the secret they come from)";
    }
    return new GeoswapException(code, what + ": " + message + hint, e);
  }

  /** Finds an SQLException in {@code t}'s cause chain, e.g. under Spark's task failure wrappers. */
  public static SQLException findSqlException(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SQLException s) return s;
      if (c.getCause() == c) break;
    }
    return null;
  }
}
