package io.geoswap.job;

import io.geoswap.testkit.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.testkit.TestDb;

import java.util.List;

/**
 * Compares geoswap's table with the materialized view it replaces, in PostgreSQL: same keys, exact columns
 * equal, floats within a relative tolerance (sums differ in the last bits with the order of addition), and
 * geometries equal within a distance tolerance.
 */
public final class Equivalence {
  private Equivalence() {}

  /**
   * An example's data (examples/{@code example}, with {@code params}) and its materialized view in the
   * test's database, then the job on pipelines/{@code example}.yaml as version it1 (plus {@code jobArgs}).
   */
  public static CliRun buildExample(TestDb db, String example, List<String> params, String... jobArgs) {
    java.nio.file.Path folder = TestDb.repoRoot().resolve("examples/" + example);
    io.geoswap.job.tools.ExampleData.generate(db.settings, folder, io.geoswap.job.tools.ExampleData.params(folder, params), true);
    List<String> args = new java.util.ArrayList<>(List.of("--spec",
        TestDb.repoRoot().resolve("pipelines/" + example + ".yaml").toString(), "--version", "it1"));
    args.addAll(List.of(jobArgs));
    return JobRun.of(db.env, args.toArray(String[]::new));
  }

  public static void assertEquivalent(TestDb db, String table, String view, List<String> key, List<String> exact,
      List<String> floats, double relTolerance, String geometry, double geomTolerance) {
    String using = String.join(", ", key);
    String anyKey = key.get(0);
    assertThat(db.count("SELECT count(*) FROM " + table)).as("rows").isEqualTo(db.count("SELECT count(*) FROM " + view));
    assertThat(db.count("SELECT count(*) FROM " + table + " t FULL JOIN " + view + " m USING (" + using
        + ") WHERE t." + anyKey + " IS NULL OR m." + anyKey + " IS NULL")).as("keys only on one side").isZero();
    for (String c : exact) {
      assertThat(db.count("SELECT count(*) FROM " + table + " t JOIN " + view + " m USING (" + using
          + ") WHERE t." + c + " IS DISTINCT FROM m." + c)).as("rows where " + c + " differs").isZero();
    }
    for (String c : floats) {
      assertThat(db.count("SELECT count(*) FROM " + table + " t JOIN " + view + " m USING (" + using
          + ") WHERE (t." + c + " IS NULL) <> (m." + c + " IS NULL) OR abs(t." + c + " - m." + c + ") > "
          + relTolerance + " * greatest(abs(m." + c + "), 1)")).as("rows where " + c + " differs beyond tolerance").isZero();
    }
    if (geometry == null) return; // a result without geometry
    assertThat(db.count("SELECT count(*) FROM " + table + " t JOIN " + view + " m USING (" + using
        + ") WHERE ST_SRID(t." + geometry + ") <> ST_SRID(m." + geometry + ") OR ST_HausdorffDistance(t." + geometry
        + ", m." + geometry + ") > " + geomTolerance)).as("rows where the geometry differs").isZero();
  }
}
