package io.geoswap.job;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.JMException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the JIT's optimizing compiler (C2) off the code that only runs while Spark starts and plans — ASM
 * (the JDK's and Spark's closure cleaner's), Hadoop's configuration, Scala reflection, the SQL parser,
 * Janino, class loading, digests, logging: {@code jit-directives.json}, a compiler directive (JEP 165). C1
 * still compiles that code; no row of data passes through it.
 *
 * <p>Why: most of a small job's CPU is the JIT — a 3M-event zone_stats run spent 8.7 CPU-s in C2 and 3.2 in
 * C1 of ~17 ({@code -XX:+CITime}), much of the C2 part on that code. With these directives, zone_stats 1M in
 * 5 interleaved pairs: C2's time −0.4…−1.4 CPU-s in 4 of them; wall within the machine's drift (issue 17,
 * bench/results/fixed-cost-2/). C2 off for everything until the transform lost 7% on the overlay (its hot
 * loops run JDK code first compiled at start-up), so the list names start-up packages only — not TLS
 * (sun/security/ssl carries the COPY streams under sslmode=require) nor DataInputStream (shuffle reads).
 *
 * <p>Installed in process (the DiagnosticCommand MBean, as {@code jcmd Compiler.directives_add} does) rather
 * than with {@code -XX:CompilerDirectivesFile}: the flag needs the file where the driver runs (EMR, the image)
 * and makes the JVM print "1 compiler directives added" on stdout, which is a task's result channel. (The
 * file takes no comments: the JVM's directives parser refuses them.)
 */
public final class JitDirectives {
  private static final Logger LOG = LoggerFactory.getLogger(JitDirectives.class);
  private static final String RESOURCE = "jit-directives.json";
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();

  private JitDirectives() {}

  /**
   * Adds the directives once per JVM (the JVM keeps a stack of at most CompilerDirectivesLimit, 50; tests run
   * many jobs in one JVM). Best effort: a JVM without the command only compiles as it would have.
   */
  public static void install() {
    if (!INSTALLED.compareAndSet(false, true)) return;
    long start = System.nanoTime();
    Path file = null;
    try (InputStream in = JitDirectives.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IOException(RESOURCE + " is not in the job jar");
      // The command takes a file name; the JVM reads it before the call returns.
      file = Files.createTempFile("geoswap-jit-", ".json");
      Files.write(file, in.readAllBytes());
      Object reply = ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
          new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
      LOG.debug("compiler directives: {} ({} ms)", String.valueOf(reply).trim(), (System.nanoTime() - start) / 1_000_000);
    } catch (IOException | JMException | RuntimeException e) {
      LOG.debug("compiler directives not installed: {}", e.toString());
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file of a few hundred bytes
        }
      }
    }
  }
}
