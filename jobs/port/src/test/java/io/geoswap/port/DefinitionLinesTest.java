package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The report's line search: tokens, not text, so names, literals and comments don't match. */
class DefinitionLinesTest {
  @Test
  void aNeedleMatchesWholeTokensNotPartsOfNamesLiteralsOrComments() {
    DefinitionLines lines = new DefinitionLines("SELECT from_date,\n  'FROM x' AS t -- FROM y\nFROM x");
    assertThat(lines.lineOf("FROM x", -1)).isEqualTo(3);
  }

  @Test
  void successiveSearchesMoveForwardAndAMissIsTheFallback() {
    DefinitionLines lines = new DefinitionLines("SELECT count(a),\n count(b)\nFROM t");
    assertThat(lines.lineOf("count(", -1)).isEqualTo(1);
    assertThat(lines.lineOf("count(", -1)).isEqualTo(2);
    assertThat(lines.lineOf("count ( b )", -1)).as("spacing doesn't matter").isEqualTo(2);
    assertThat(lines.lineOf("sum(", 7)).isEqualTo(7);
  }
}
