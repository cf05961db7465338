package io.geoswap.common.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.Redactor;
import io.geoswap.common.Text;
import io.geoswap.common.db.DbErrors;
import java.io.PrintStream;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * How every geoswap command ends: errors become one line on stderr and the exit code of the README's
 * table, and the last stdout line is one JSON object (the result Airflow passes on as XCom) — on failure
 * too, so a caller can read what went wrong without parsing logs.
 */
public final class Cli {
  private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private Cli() {}

  /** Runs {@code command} with {@code args}; returns the exit code. {@code System.exit} is the caller's. */
  public static int execute(Object command, String... args) {
    return execute(command, System.out, System.err, args);
  }

  /** As {@link #execute(Object, String...)}, reporting to {@code out} and {@code err}. */
  public static int execute(Object command, PrintStream out, PrintStream err, String... args) {
    CommandLine cmd = new CommandLine(command);
    cmd.setOut(new java.io.PrintWriter(out, true));
    cmd.setErr(new java.io.PrintWriter(err, true));
    cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(e, out, err));
    cmd.setParameterExceptionHandler((e, a) -> {
      err.println("geoswap: usage error: " + e.getMessage());
      e.getCommandLine().usage(err);
      printJson(out, failureJson(ExitCode.USAGE.code(), e.getMessage()));
      return ExitCode.USAGE.code();
    });
    return cmd.execute(args);
  }

  /** Maps {@code e} to its exit code, reporting it on {@code err} and as JSON on {@code out}. */
  public static int failure(Throwable e, PrintStream out, PrintStream err) {
    int code = exitCode(e);
    String message = message(e);
    err.println("geoswap: error: " + message);
    if (code == ExitCode.UNEXPECTED.code()) {
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(trace));
      err.print(Redactor.redact(trace.toString()));
    }
    printJson(out, failureJson(code, message));
    return code;
  }

  public static int exitCode(Throwable e) {
    GeoswapException g = find(e);
    if (g != null) return g.exitCode();
    SQLException s = DbErrors.findSqlException(e);
    if (s != null) return DbErrors.exitCode(s);
    return ExitCode.UNEXPECTED.code();
  }

  /** The one-line message for {@code e}: no control bytes, secrets masked, bounded in length. */
  public static String message(Throwable e) {
    return Redactor.redact(Text.clip(rawMessage(e), MAX_MESSAGE));
  }

  /** Long enough for a spec's problem list; a message that runs longer than this quotes what it shouldn't. */
  private static final int MAX_MESSAGE = 4000;

  private static String rawMessage(Throwable e) {
    GeoswapException g = find(e);
    if (g != null) return g.getMessage();
    SQLException s = DbErrors.findSqlException(e);
    if (s != null) return DbErrors.translate("database error", s).getMessage();
    return e.getClass().getSimpleName() + ": " + Text.firstLine(String.valueOf(e.getMessage()), 500);
  }

  private static GeoswapException find(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof GeoswapException g) return g;
      if (c.getCause() == c) break;
    }
    return null;
  }

  private static Map<String, Object> failureJson(int code, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "failed");
    m.put("exit_code", code);
    m.put("error", message);
    return m;
  }

  /**
   * In a container, stdout and stderr are two pipes that the runtime's log driver (awslogs on ECS, conmon
   * under podman) reads separately and interleaves by arrival: a log line written a moment before the
   * result can land after it, and ECS hands Airflow the last line as the XCom. The image sets this pause
   * so stderr drains before the result line is written.
   */
  private static final long RESULT_PAUSE_MS = parsePause(System.getenv("GEOSWAP_RESULT_PAUSE_MS"));

  private static long parsePause(String v) {
    try {
      return v == null ? 0 : Math.max(0, Math.min(5_000, Long.parseLong(v.trim())));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Prints {@code value} as one JSON line: the task's result, its last line of output. */
  public static void printJson(PrintStream out, Object value) {
    String line = Redactor.redact(toJson(value));
    System.err.flush();
    if (RESULT_PAUSE_MS > 0) {
      try {
        Thread.sleep(RESULT_PAUSE_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    out.println(line);
    out.flush();
  }

  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
