package io.geoswap.common.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

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
    } catch (SQLException e) {
      throw DbErrors.translate(what, e);
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
