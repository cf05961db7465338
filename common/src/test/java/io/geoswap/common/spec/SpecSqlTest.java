package io.geoswap.common.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecSqlTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "ts < '${logical_date}'",
      "ts < '${logical_date}'::timestamptz AND category <> 'x;y'",
      "ts >= timestamptz '${data_interval_start}' AND ts < timestamptz '${data_interval_end}'",
      "geom && ST_MakeEnvelope(0, 0, 1, 1, 4326)",
      "category IN ('a', 'b') AND value IS NOT NULL",
      "id IN (SELECT id FROM public.keep)",
      "ST_Intersects(geom, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326))",
      "coalesce(value, 0) > 1.5 /* a comment; with a semicolon */",
      "extract(year FROM ts) = 2026",
  })
  void aBooleanExpressionIsAWhere(String where) {
    assertThat(SpecSql.whereProblem(where)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "true) AS q LIMIT 0; DROP TABLE public.canary; SELECT NULL FROM (SELECT 1",
      "true; DROP TABLE public.canary",
      "true; -- nothing",
      "SELECT 1",
      "id = 1) OR (true",
      "1 = 1 LIMIT 1",
      "true $$; DELETE FROM x; $$",
  })
  void anythingElseIsNotAWhere(String where) {
    assertThat(SpecSql.whereProblem(where)).startsWith("must be one boolean expression");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT true; COMMIT; DELETE FROM public.canary; SELECT true",
      "SELECT 1; SELECT 2",
      "SELECT $$a$$; DELETE FROM t",
      "SELECT E'\\''; DELETE FROM t; SELECT ''",
  })
  void aCheckWithSeveralStatementsIsRefused(String sql) {
    assertThat(SpecSql.statementProblem(sql)).contains("statements; exactly one is allowed");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT count(*) > 0 FROM ${table}",
      "SELECT ';' <> 'x' -- trailing comment; still one",
      "SELECT true;",
      "WITH a AS (SELECT 1 AS x) SELECT count(*) = 1 FROM a",
      "SELECT $$;$$ = ';'",
  })
  void oneStatementIsAllowed(String sql) {
    assertThat(SpecSql.queryProblem(sql)).isNull();
  }
}
