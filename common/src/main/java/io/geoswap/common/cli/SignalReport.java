package io.geoswap.common.cli;

import io.geoswap.common.ExitCode;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Keeps a command's output contract (one {@code geoswap: error:} line, a JSON last line, an exit code of
 * the README's table) when its JVM is stopped by SIGTERM, SIGINT or SIGHUP before the command finished.
 *
 * <p>Left alone, the JVM runs its shutdown hooks and exits 128 + the signal's number (143 for TERM) with
 * no result line. With this installed, a shutdown hook reports {@code stopped by signal TERM before
 * finishing; nothing was published} and halts with 75 (temporary: nothing was published, a retried build
 * starts over). A JVM therefore never exits above 128 by itself, and a parent that sees such a status
 * (jvm/run-java, the Airflow runner) knows the JVM died by a signal it could not report (KILL) and reports
 * it instead.
 *
 * <p>Two things tell the hook what happened, since a shutdown hook alone cannot: the main method calls
 * {@link #finished(int)} once the command returned (its result line is printed), so the {@code System.exit}
 * that follows runs the hook without a report; and handlers for TERM, INT and HUP record which signal came
 * before passing it on to the JVM's own handler (which starts the shutdown), so the report names it. Those
 * handlers use sun.misc.Signal (module jdk.unsupported, kept for such uses; javac warns about it): Java has
 * no supported API that tells which signal started a shutdown.
 *
 * <pre>{@code
 * SignalReport report = SignalReport.install();
 * int code = Cli.execute(new Main(), args);
 * report.finished(code);
 * System.exit(code);
 * }</pre>
 */
public final class SignalReport {
  /** The signals a JVM turns into a shutdown (the JDK's java.lang.Terminator). */
  static final List<String> SIGNALS = List.of("TERM", "INT", "HUP");
  private static final int NOT_FINISHED = Integer.MIN_VALUE;

  private final PrintStream out;
  private final PrintStream err;
  private final IntConsumer halt;
  private final AtomicReference<String> signal = new AtomicReference<>();
  private volatile int finishedCode = NOT_FINISHED;
  private final AtomicBoolean shutdownSeen = new AtomicBoolean();

  /**
   * Where {@link #finished(int)} leaves the command's exit code for the JVM's parent (null: nowhere). A JVM
   * can still die after its command finished — JDK 17 crashes now and then writing a dynamic class-data
   * archive at exit (SIGSEGV in SystemDictionaryShared::adjust_lambda_proxy_class_dictionary) — and then
   * its parent (jvm/run-java) must not report a run whose result line is already printed as failed.
   */
  private final java.nio.file.Path finishedFile;

  SignalReport(PrintStream out, PrintStream err, IntConsumer halt) {
    this(out, err, halt, null);
  }

  SignalReport(PrintStream out, PrintStream err, IntConsumer halt, java.nio.file.Path finishedFile) {
    this.out = out;
    this.err = err;
    this.halt = halt;
    this.finishedFile = finishedFile;
  }

  /** The environment variable naming {@link #finishedFile} (set by jvm/run-java). */
  public static final String FINISHED_FILE_ENV = "GEOSWAP_FINISHED_FILE";

  /**
   * Installs the report for this JVM's command, reporting on {@code System.out} and {@code System.err}. Call
   * it first thing in {@code main}, once per JVM.
   */
  public static SignalReport install() {
    String file = System.getenv(FINISHED_FILE_ENV);
    SignalReport report = new SignalReport(System.out, System.err, Runtime.getRuntime()::halt,
        file == null || file.isBlank() ? null : java.nio.file.Path.of(file));
    for (String name : SIGNALS) {
      report.recordSignal(name);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(report::onShutdown, "geoswap-signal-report"));
    return report;
  }

  /**
   * The command returned {@code code} and printed its result: from now on a shutdown is not a failure to
   * report. A signal that comes after this (while a job stops Spark, say) ends the JVM with {@code code},
   * the one its result line says, rather than 128 + the signal's number.
   */
  public void finished(int code) {
    finishedCode = code;
    if (finishedFile != null) {
      out.flush(); // the result line is out before the parent can read "finished"
      try {
        java.nio.file.Files.writeString(finishedFile, Integer.toString(code));
      } catch (java.io.IOException | RuntimeException e) {
        // Best effort: without the file a later crash is reported as a failure, as before.
      }
    }
  }

  /** Remembers {@code name} when it arrives, then hands it on to the handler that was there (the JVM's). */
  private void recordSignal(String name) {
    sun.misc.Signal sig = new sun.misc.Signal(name);
    sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
    try {
      previous[0] = sun.misc.Signal.handle(sig, s -> {
        signalled(s.getName());
        sun.misc.SignalHandler p = previous[0];
        if (p != null && p != sun.misc.SignalHandler.SIG_DFL && p != sun.misc.SignalHandler.SIG_IGN) {
          p.handle(s);
        } else {
          // No JVM handler to pass it to (not expected: the JVM installs one for each of these).
          Runtime.getRuntime().exit(128 + s.getNumber());
        }
      });
    } catch (IllegalArgumentException e) {
      // The JVM keeps this signal to itself (-Xrs): it kills the JVM outright, and the parent reports that.
      // (A signal ignored when the JVM started, as INT is in a background job of a shell, stays ignored:
      // Signal.handle then installs nothing and returns SIG_IGN.)
    }
  }

  /** A signal arrived (the first one names the report). */
  void signalled(String name) {
    signal.compareAndSet(null, name);
  }

  /** The shutdown hook: reports and halts unless the command finished without a signal. */
  void onShutdown() {
    if (!shutdownSeen.compareAndSet(false, true)) return;
    int code = finishedCode;
    String sig = signal.get();
    if (code != NOT_FINISHED) {
      // Finished: a plain System.exit (no signal) needs nothing; after a signal, exit with the command's
      // own code so that the exit status matches the result line already printed.
      if (sig != null) {
        err.println("geoswap: signal " + sig + " after the command finished; exiting with its code " + code);
        err.flush();
        halt.accept(code);
      }
      return;
    }
    // Not finished. Without a signal, something ended the JVM under the command (System.exit from a
    // library, an Error out of main): unexpected, but still one error line and a result line.
    int exit = sig != null ? ExitCode.TEMPORARY.code() : ExitCode.UNEXPECTED.code();
    String message = sig != null
        ? "stopped by signal " + sig + " before finishing; nothing was published"
        : "the JVM shut down before the command finished (see the log above); nothing was published";
    err.println("geoswap: error: " + message);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("status", "failed");
    json.put("exit_code", exit);
    json.put("error", message);
    if (sig != null) json.put("signal", sig);
    Cli.printJson(out, json);
    // halt, not exit: we are in a shutdown hook already, and the status must be ours, not 128 + signal.
    halt.accept(exit);
  }
}
