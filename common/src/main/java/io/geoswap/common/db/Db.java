package io.geoswap.common.db;

import io.geoswap.common.Durations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/** Opens connections; failures come back as one-line {@link io.geoswap.common.GeoswapException}s. */
public final class Db {
  private Db() {}

  public static Connection connect(DbSettings settings) {
    try {
      return DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
    } catch (SQLException e) {
      throw DbErrors.translate("cannot connect to PostgreSQL at " + settings.describe(), e);
    }
  }

  /** Work against a connection that may throw SQLException. */
  public interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one transaction on {@code c}, translating SQL errors with {@code what}. */
  public static <T> T inTransaction(Connection c, String what, SqlWork<T> work) {
    try {
      return transaction(c, work);
    } catch (SQLException e) {
      throw DbErrors.translate(what, e);
    }
  }

  /**
   * Runs {@code work} in one transaction on {@code c}: commits when it returns, rolls back when it throws,
   * and leaves SQL errors as they are, for a caller that acts on their SQLSTATE (retries on 55P03, keeps a
   * table on 2BP01) or runs where a {@link io.geoswap.common.GeoswapException} must not replace them (a
   * Spark task). {@code work} may end the transaction early with {@code c.rollback()}: the commit that
   * follows then commits nothing.
   */
  public static <T> T transaction(Connection c, SqlWork<T> work) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

  /**
   * Sets a timeout ({@code lock_timeout}, {@code statement_timeout}) for the rest of the current transaction
   * only: {@code set_config(…, true)} is {@code SET LOCAL} with a bound value (PostgreSQL docs,
   * "Configuration Settings Functions"). At least 1 ms: 0 would mean no timeout at all.
   */
  public static void setLocalTimeout(Connection c, String setting, Duration timeout) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT set_config(?, ?, true)")) {
      ps.setString(1, setting);
      ps.setString(2, Durations.toPostgres(timeout.compareTo(MIN_TIMEOUT) < 0 ? MIN_TIMEOUT : timeout));
      ps.execute();
    }
  }

  /**
   * Runs {@code work} in one READ ONLY transaction on {@code c}, then rolls it back: what a spec sends to
   * probe a source can read, never write (PostgreSQL docs, "SET TRANSACTION").
   */
  public static <T> T readOnly(Connection c, String what, SqlWork<T> work) {
    try {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try (java.sql.Statement st = c.createStatement()) {
        st.execute("SET TRANSACTION READ ONLY");
        return work.run(c);
      } finally {
        c.rollback();
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw DbErrors.translate(what, e);
    }
  }

  /** Runs {@code work} in autocommit mode, translating SQL errors with {@code what}. */
  public static <T> T run(Connection c, String what, SqlWork<T> work) {
    try {
      return work.run(c);
    } catch (SQLException e) {
      throw DbErrors.translate(what, e);
    }
  }
}
