package io.geoswap.common;

/**
 * A failure the user can act on: its message is one line fit to show as it is, and it carries the exit
 * code of the README's table. Messages never contain secrets.
 */
public class GeoswapException extends RuntimeException {
  private final int exitCode;

  public GeoswapException(int exitCode, String message) {
    this(exitCode, message, null);
  }

  public GeoswapException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  /** Bad usage, spec or configuration. */
  public static GeoswapException usage(String message) {
    return new GeoswapException(ExitCode.USAGE.code(), message);
  }

  public static GeoswapException usage(String message, Throwable cause) {
    return new GeoswapException(ExitCode.USAGE.code(), message, cause);
  }

  /** The data breaks a rule of the spec. */
  public static GeoswapException data(String message) {
    return new GeoswapException(ExitCode.DATA.code(), message);
  }

  public static GeoswapException data(String message, Throwable cause) {
    return new GeoswapException(ExitCode.DATA.code(), message, cause);
  }

  /** Worth a retry. */
  public static GeoswapException temporary(String message, Throwable cause) {
    return new GeoswapException(ExitCode.TEMPORARY.code(), message, cause);
  }
}
