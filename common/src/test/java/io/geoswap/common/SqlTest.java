package io.geoswap.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlTest {
  @Test
  void quotesSafeIdentifiers() {
    assertThat(Sql.ident("zone_stats_v1")).isEqualTo("\"zone_stats_v1\"");
    assertThat(Sql.qualified("public", "zones")).isEqualTo("\"public\".\"zones\"");
    assertThat(Sql.idents(List.of("a", "b_2"))).isEqualTo("\"a\", \"b_2\"");
  }

  @Test
  void rejectsAnythingThatCouldEscapeTheQuotes() {
    for (String bad : List.of("a\"b", "a;drop table x", "Zones", "1abc", "", "a b", "a-b", "ä")) {
      assertThatThrownBy(() -> Sql.ident(bad))
          .isInstanceOf(GeoswapException.class)
          .hasMessageContaining("unsafe identifier")
          .extracting(e -> ((GeoswapException) e).exitCode()).isEqualTo(ExitCode.USAGE.code());
    }
  }

  @Test
  void rejectsNamesPostgresWouldTruncate() {
    assertThat(Sql.identifierProblem("a".repeat(63))).isNull();
    assertThat(Sql.identifierProblem("a".repeat(64))).contains("longer than 63");
  }
}
