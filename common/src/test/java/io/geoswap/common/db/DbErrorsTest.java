package io.geoswap.common.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.common.ExitCode;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DbErrorsTest {
  private static int code(String sqlState) {
    return DbErrors.exitCode(new SQLException("x", sqlState));
  }

  @Test
  void whatARetryMayFixIsTemporary() {
    assertThat(code("08001")).isEqualTo(ExitCode.TEMPORARY); // connection refused
    assertThat(code("08006")).isEqualTo(ExitCode.TEMPORARY); // connection failure
    assertThat(code("55P03")).isEqualTo(ExitCode.TEMPORARY); // lock_not_available
    assertThat(code("40P01")).isEqualTo(ExitCode.TEMPORARY); // deadlock
    assertThat(code("57P01")).isEqualTo(ExitCode.TEMPORARY); // admin shutdown
    assertThat(code("57014")).isEqualTo(ExitCode.TEMPORARY); // statement timeout
  }

  @Test
  void whatTheUserMustFixIsUsageOrData() {
    assertThat(code("28P01")).isEqualTo(ExitCode.USAGE); // wrong password
    assertThat(code("3D000")).isEqualTo(ExitCode.USAGE); // no such database
    assertThat(code("42P01")).isEqualTo(ExitCode.USAGE); // undefined table
    assertThat(code("23505")).isEqualTo(ExitCode.DATA); // unique violation
    assertThat(code("22P02")).isEqualTo(ExitCode.DATA); // invalid text representation
    assertThat(code("XX000")).isEqualTo(ExitCode.UNEXPECTED);
  }

  @Test
  void findsTheSqlExceptionUnderWrappers() {
    SQLException root = new SQLException("refused", "08001");
    RuntimeException wrapped = new RuntimeException("task failed", new IllegalStateException("x", root));
    assertThat((Object) DbErrors.findSqlException(wrapped)).isSameAs(root);
    assertThat(DbErrors.translate("reading", root).getMessage()).isEqualTo("reading: refused (temporary; a retry may succeed)");
  }
}
