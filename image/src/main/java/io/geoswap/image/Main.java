package io.geoswap.image;

import io.geoswap.common.ExitCode;
import io.geoswap.common.cli.Cli;
import java.util.Arrays;
import java.util.Map;

/**
 * The image's entry point: {@code launcher …} runs the launcher (extract-transform), {@code swap-task …} the
 * swap-task, {@code init …} writes a spec and a Sedona port of a materialized view. One image for both keeps one ECS task definition and one version to deploy; the swap-task
 * jar alone is ~13 MB, the Spark jars (for {@code launcher run --target local}) make up the rest.
 */
public final class Main {
  private Main() {}

  static final String USAGE =
      "usage: launcher run ... | swap-task validate|promote|rollback|gc|status|verify|adopt ... | init --from-matview ...";

  public static void main(String[] args) throws Exception {
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (args.length == 0 ? "" : args[0]) {
      case "launcher" -> io.geoswap.launcher.LauncherMain.main(rest);
      case "swap-task" -> io.geoswap.swap.SwapTaskMain.main(rest);
      case "init" -> io.geoswap.port.InitMain.main(rest);
      default -> {
        System.err.println("geoswap: " + USAGE);
        Cli.printJson(System.out, Map.of("status", "failed", "exit_code", ExitCode.USAGE.code(), "error", USAGE));
        System.exit(ExitCode.USAGE.code());
      }
    }
  }
}
