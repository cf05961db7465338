package io.geoswap.testkit;

import io.geoswap.common.Sql;
import io.geoswap.common.db.Db;
import io.geoswap.common.db.DbSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * A fresh PostGIS database per test class on the cluster ./geoswap test started (PG* environment).
 */
public final class TestDb {
  // Shared by the ITs of every module (common's test-jar).

  public final DbSettings settings;
  public final Map<String, String> env;

  private TestDb(DbSettings settings, Map<String, String> env) {
    this.settings = settings;
    this.env = env;
  }

  public static DbSettings admin() {
    if (System.getenv("PGUSER") == null) {
      throw new IllegalStateException("no database: run the ITs through ./geoswap test (it starts PostGIS and sets PG*)");
    }
    return DbSettings.fromEnv(System.getenv(), "geoswap-it");
  }

  /** Drops and re-creates database {@code name} with PostGIS. */
  public static TestDb fresh(String name) {
    DbSettings admin = admin();
    try (Connection c = Db.connect(admin.withDatabase("postgres")); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + Sql.ident(name) + " WITH (FORCE)");
      st.execute("CREATE DATABASE " + Sql.ident(name));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    DbSettings settings = admin.withDatabase(name);
    TestDb db = new TestDb(settings, envFor(name));
    db.exec("CREATE EXTENSION postgis");
    return db;
  }

  private static Map<String, String> envFor(String database) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("PGDATABASE", database);
    return env;
  }

  public Connection connect() {
    return Db.connect(settings);
  }

  public void exec(String sql) {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The first column of the first row, or null. */
  public Object value(String sql) {
    try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getObject(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public long count(String sql) {
    return ((Number) value(sql)).longValue();
  }

  /**
   * The checkout: failsafe says where; otherwise (surefire, an IDE) the nearest folder above the module's
   * that holds Maven's .mvn, since modules sit at different depths (common/, jobs/job/).
   */
  public static Path repoRoot() {
    String given = System.getProperty("geoswap.repoRoot");
    if (given != null) return Path.of(given);
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (java.nio.file.Files.isDirectory(p.resolve(".mvn"))) return p;
    }
    return here.getParent();
  }
}
