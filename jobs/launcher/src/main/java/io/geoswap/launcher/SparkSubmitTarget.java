package io.geoswap.launcher;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.cli.Cli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run spark-submit}: the shaded job jar submitted to a Spark cluster in client mode; its result is ours. */
@Command(name = "spark-submit", mixinStandardHelpOptions = true,
    description = "Submit the job jar to a Spark cluster (client mode) and wait for it.")
final class SparkSubmitTarget extends TargetCommand {
  private static final Logger LOG = LoggerFactory.getLogger(SparkSubmitTarget.class);

  @Option(names = "--master", description = "The master URL, e.g. spark://host:7077.") String master;
  @Option(names = "--spark-home", description = "Spark's home (default $SPARK_HOME).") String sparkHome;
  @Option(names = "--job-jar", description = "The shaded job jar, a local path.") String jobJar;

  @Override
  public Integer call() throws Exception {
    job.version();
    List<String> problems = new ArrayList<>();
    if (master == null) problems.add("--master is required");
    String home = sparkHome != null ? sparkHome : env().get("SPARK_HOME");
    if (home == null) problems.add("--spark-home (or SPARK_HOME) is required");
    if (jobJar == null || !Files.isRegularFile(Path.of(jobJar))) problems.add("--job-jar must be the local job jar");
    if (!problems.isEmpty()) throw GeoswapException.usage("spark-submit: " + String.join("; ", problems));
    List<String> cmd = new ArrayList<>(List.of(Path.of(home, "bin", "spark-submit").toString(),
        "--master", master, "--deploy-mode", "client", "--class", JOB_CLASS));
    for (String c : job.submittedSparkConf()) cmd.addAll(List.of("--conf", c));
    cmd.add(jobJar);
    cmd.addAll(job.jobArgs(true));
    LOG.info("spark-submit to {}: {}", master, String.join(" ", cmd));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    pb.environment().putAll(env()); // PG* (PGPASSWORD included) reach the driver by environment only
    pb.environment().put("SCARF_NO_ANALYTICS", "true");
    Process p = pb.start();
    Thread stopper = new Thread(p::destroy);
    Runtime.getRuntime().addShutdownHook(stopper);
    Thread errPump = new Thread(() -> pump(new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)), null));
    errPump.start();
    String[] last = new String[1];
    pump(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)), last);
    int code = p.waitFor();
    errPump.join();
    Runtime.getRuntime().removeShutdownHook(stopper);
    LOG.info("spark-submit exited {}", code);
    if (last[0] != null && last[0].startsWith("{")) {
      out().println(last[0]); // the job's own JSON result is ours
      out().flush();
    } else if (code != 0) {
      Cli.printJson(out(), Map.of("status", "failed", "exit_code", code, "error", "spark-submit exited " + code));
    }
    return code;
  }

  /** Copies a child's lines to stderr; remembers the last one in {@code last} when given. */
  private static void pump(BufferedReader r, String[] last) {
    try (r) {
      String line;
      while ((line = r.readLine()) != null) {
        System.err.println(line);
        if (last != null && !line.isBlank()) last[0] = line;
      }
    } catch (IOException e) {
      System.err.println("geoswap: lost the job's output: " + e.getMessage());
    }
  }
}
