package io.geoswap.common.db;

import io.geoswap.common.GeoswapException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * How to reach PostgreSQL. Built from the standard libpq environment variables (PG*), validated at the
 * edge with every problem reported at once. The password is held here and handed to the driver as a
 * connection property only: it is never part of the URL, {@link #toString()} or any message.
 *
 * <p>Serializable because Spark executors open their own connections for COPY.
 */
public record DbSettings(
    String host,
    int port,
    String database,
    String user,
    String password,
    String sslMode,
    String sslRootCert,
    Duration connectTimeout,
    String applicationName)
    implements Serializable {

  /** libpq's sslmode values (PostgreSQL docs, "34.19.1 Client Verification of Server Certificates"). */
  public static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
  public static final String DEFAULT_HOST = "localhost";
  public static final int DEFAULT_PORT = 5432;
  public static final String DEFAULT_SSL_MODE = "prefer";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  public DbSettings {
    // Whatever a driver or a user's file puts into a message, this password is masked there (Redactor).
    io.geoswap.common.Redactor.register(password);
  }

  /** Reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT. */
  public static DbSettings fromEnv(Map<String, String> env, String applicationName) {
    List<String> problems = new ArrayList<>();
    String host = env.getOrDefault("PGHOST", DEFAULT_HOST);
    int port = DEFAULT_PORT;
    String portText = env.get("PGPORT");
    if (portText != null && !portText.isBlank()) {
      try {
        port = Integer.parseInt(portText.trim());
        if (port < 1 || port > 65535) problems.add("PGPORT: " + port + " is not a TCP port");
      } catch (NumberFormatException e) {
        problems.add("PGPORT: '" + portText + "' is not a number");
      }
    }
    String user = env.get("PGUSER");
    if (user == null || user.isBlank()) problems.add("PGUSER: is required");
    String database = env.getOrDefault("PGDATABASE", user);
    String sslMode = env.getOrDefault("PGSSLMODE", DEFAULT_SSL_MODE);
    if (!SSL_MODES.contains(sslMode)) problems.add("PGSSLMODE: '" + sslMode + "' is not one of " + SSL_MODES);
    Duration timeout = DEFAULT_CONNECT_TIMEOUT;
    String timeoutText = env.get("PGCONNECT_TIMEOUT");
    if (timeoutText != null && !timeoutText.isBlank()) {
      try {
        timeout = Duration.ofSeconds(Long.parseLong(timeoutText.trim()));
      } catch (NumberFormatException e) {
        problems.add("PGCONNECT_TIMEOUT: '" + timeoutText + "' is not a number of seconds");
      }
    }
    if (!problems.isEmpty()) {
      throw GeoswapException.usage("database settings: " + String.join("; ", problems));
    }
    return new DbSettings(host, port, database, user, env.get("PGPASSWORD"), sslMode,
        env.get("PGSSLROOTCERT"), timeout, applicationName);
  }

  /** The JDBC URL: no user, no password. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
  }

  /** Connection properties for pgjdbc, credentials included. Never log these. */
  public Properties properties() {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) p.setProperty("password", password);
    p.setProperty("sslmode", sslMode);
    if (sslRootCert != null) p.setProperty("sslrootcert", sslRootCert);
    p.setProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
    p.setProperty("ApplicationName", applicationName == null ? "geoswap" : applicationName);
    p.setProperty("tcpKeepAlive", "true");
    // The extended protocol, always: a statement is parsed by the server as one (see SpecSql).
    p.setProperty("preferQueryMode", "extended");
    return p;
  }

  public DbSettings withApplicationName(String name) {
    return new DbSettings(host, port, database, user, password, sslMode, sslRootCert, connectTimeout, name);
  }

  public DbSettings withDatabase(String name) {
    return new DbSettings(host, port, name, user, password, sslMode, sslRootCert, connectTimeout, applicationName);
  }

  public DbSettings withUser(String name, String pw) {
    return new DbSettings(host, port, database, name, pw, sslMode, sslRootCert, connectTimeout, applicationName);
  }

  /** Where, for messages. */
  public String describe() {
    return user + "@" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "DbSettings[" + describe() + ", password=" + (password == null ? "(none)" : "****")
        + ", sslmode=" + sslMode + (sslRootCert == null ? "" : ", sslrootcert=" + sslRootCert)
        + ", connectTimeout=" + connectTimeout + "]";
  }
}
