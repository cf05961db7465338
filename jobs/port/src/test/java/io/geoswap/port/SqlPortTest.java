package io.geoswap.port;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlPortTest {
  @Test
  void show() {
    for (var mv : java.util.List.of(Examples.zoneStats(), Examples.landUseArea(), Examples.roadLength())) {
      SqlPort.Result r = SqlPort.port(mv);
      System.out.println("=== " + mv.name() + "\n" + r.sql() + "\n" + r.sources() + "\n" + r.refused());
      r.translated().forEach(System.out::println);
      r.mayDiffer().forEach(System.out::println);
      System.out.println(r.floatTolerances() + " " + r.geometryTolerance() + " makeValid=" + r.makeValid());
    }
  }
}
