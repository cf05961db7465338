package io.geoswap.launcher;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.cli.Cli;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code launcher run local|spark-submit|emr-serverless --spec S [--version V] …}: runs the extract-transform
 * job where it is told to and waits for it (see {@link RunCommand}). The last stdout line is the JSON
 * result; exit codes as in the README.
 */
@Command(name = "launcher", mixinStandardHelpOptions = true, subcommands = RunCommand.class,
    description = "Runs the extract-transform job locally, on a Spark cluster or on EMR Serverless.")
public final class LauncherMain implements Callable<Integer> {
  final Map<String, String> env;
  final PrintStream out;

  public LauncherMain() {
    this(System.getenv(), System.out);
  }

  /** For tests: another environment (PG*, AWS_*) and stdout. */
  public LauncherMain(Map<String, String> env, PrintStream out) {
    this.env = env;
    this.out = out;
  }

  @Override
  public Integer call() {
    throw GeoswapException.usage("name a command: run");
  }

  /** Runs the launcher on {@code args}, today's form ({@code run --target X …}) included; returns the exit code. */
  public static int execute(Map<String, String> env, PrintStream out, PrintStream err, String... args) {
    return Cli.execute(new LauncherMain(env, out), out, err, targetAsCommand(args));
  }

  public static void main(String[] args) {
    System.exit(execute(System.getenv(), System.out, System.err, args));
  }

  /**
   * {@code run --target X …} as {@code run X …}: the target was an option before it was a command, and
   * the DAG's tasks, the ECS task definitions and scripts still pass it so. Anything else as it is.
   */
  static String[] targetAsCommand(String[] args) {
    if (args.length < 2 || !args[0].equals("run")) return args;
    List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
    for (int i = 0; i < rest.size(); i++) {
      String a = rest.get(i);
      String target = null;
      if (a.equals("--target") && i + 1 < rest.size()) {
        target = rest.remove(i + 1);
      } else if (a.startsWith("--target=")) {
        target = a.substring("--target=".length());
      }
      if (target != null) {
        rest.remove(i);
        rest.add(0, target);
        rest.add(0, "run");
        return rest.toArray(String[]::new);
      }
    }
    return args;
  }
}
