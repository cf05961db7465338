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
    assertThat(code("08001")).isEqualTo(ExitCode.TEMPORARY.code()); // connection refused
    assertThat(code("08006")).isEqualTo(ExitCode.TEMPORARY.code()); // connection failure
    assertThat(code("55P03")).isEqualTo(ExitCode.TEMPORARY.code()); // lock_not_available
    assertThat(code("40P01")).isEqualTo(ExitCode.TEMPORARY.code()); // deadlock
    assertThat(code("57P01")).isEqualTo(ExitCode.TEMPORARY.code()); // admin shutdown
    assertThat(code("57014")).isEqualTo(ExitCode.TEMPORARY.code()); // statement timeout
  }

  @Test
  void whatTheUserMustFixIsUsageOrData() {
    assertThat(code("28P01")).isEqualTo(ExitCode.USAGE.code()); // wrong password
    assertThat(code("3D000")).isEqualTo(ExitCode.USAGE.code()); // no such database
    assertThat(code("42P01")).isEqualTo(ExitCode.USAGE.code()); // undefined table
    assertThat(code("23505")).isEqualTo(ExitCode.DATA.code()); // unique violation
    assertThat(code("22P02")).isEqualTo(ExitCode.DATA.code()); // invalid text representation
    assertThat(code("XX000")).isEqualTo(ExitCode.UNEXPECTED.code());
  }

  @Test
  void findsTheSqlExceptionUnderWrappers() {
    SQLException root = new SQLException("refused", "08001");
    RuntimeException wrapped = new RuntimeException("task failed", new IllegalStateException("x", root));
    assertThat((Object) DbErrors.findSqlException(wrapped)).isSameAs(root);
    assertThat(DbErrors.translate("reading", root).getMessage()).isEqualTo("reading: refused (temporary; a retry may succeed)");
  }
}
