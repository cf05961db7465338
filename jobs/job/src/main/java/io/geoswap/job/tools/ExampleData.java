package io.geoswap.job.tools;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.cli.Cli;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import io.geoswap.common.spec.Placeholders;
import io.geoswap.common.spec.RunParams;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Generates an example's data ({@code examples/<name>/generate.sql}) and, on request, the materialized view
 * geoswap replaces ({@code materialized_view.sql}). Parameters default from {@code defaults.properties};
 * each value must be a number or an ISO-8601 timestamp, so substituting it into SQL is safe.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generates an example's source tables (and its materialized view) in the PG* database.")
public final class ExampleData implements Callable<Integer> {
  private static final Pattern NUMBER = Pattern.compile("^-?[0-9]+(\\.[0-9]+)?$");

  @Parameters(index = "0", description = "The example's folder, e.g. examples/zone_stats.")
  Path folder;

  @Parameters(index = "1..*", description = "Overrides: key=value.")
  List<String> overrides = List.of();

  @Option(names = "--materialized-view", description = "Also create (and so refresh) the materialized view.")
  boolean materializedView;

  @Override
  public Integer call() {
    Map<String, String> values = params(folder, overrides);
    DbSettings db = DbSettings.fromEnv(System.getenv(), "geoswap-generate");
    long t0 = System.nanoTime();
    generate(db, folder, values, materializedView);
    Map<String, Object> out = new LinkedHashMap<>(Map.of("example", folder.getFileName().toString()));
    out.put("params", values);
    out.put("seconds", Math.round((System.nanoTime() - t0) / 1e6) / 1e3);
    Cli.printJson(System.out, out);
    return 0;
  }

  /** The example's defaults with {@code overrides} (key=value) applied and validated. */
  public static Map<String, String> params(Path folder, List<String> overrides) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(folder.resolve("defaults.properties"))) {
      p.load(r);
    } catch (IOException e) {
      throw GeoswapException.usage("cannot read " + folder.resolve("defaults.properties") + ": " + e.getMessage());
    }
    Map<String, String> values = new LinkedHashMap<>();
    p.stringPropertyNames().stream().sorted().forEach(k -> values.put(k, p.getProperty(k).trim()));
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq < 1 || !values.containsKey(o.substring(0, eq))) {
        throw GeoswapException.usage("'" + o + "': expected key=value with key one of " + values.keySet());
      }
      values.put(o.substring(0, eq), o.substring(eq + 1).trim());
    }
    values.replaceAll((k, v) -> {
      if (NUMBER.matcher(v).matches()) return v;
      return RunParams.render(RunParams.parseTimestamp(k, v));
    });
    return values;
  }

  /** Runs generate.sql (and materialized_view.sql) with {@code values} substituted. */
  public static void generate(DbSettings db, Path folder, Map<String, String> values, boolean materializedView) {
    try (Connection c = Db.connect(db)) {
      run(c, folder.resolve("generate.sql"), values);
      if (materializedView) run(c, folder.resolve("materialized_view.sql"), values);
    } catch (SQLException e) {
      throw io.geoswap.common.db.DbErrors.translate("generating " + folder, e);
    }
  }

  public static void run(Connection c, Path script, Map<String, String> values) throws SQLException {
    String sql;
    try {
      sql = Files.readString(script);
    } catch (IOException e) {
      throw GeoswapException.usage("cannot read " + script + ": " + e.getMessage());
    }
    try (Statement st = c.createStatement()) {
      st.execute(Placeholders.substitute(sql, values, script.toString()));
    }
  }

  public static void main(String[] args) {
    System.exit(Cli.execute(new ExampleData(), args));
  }
}
