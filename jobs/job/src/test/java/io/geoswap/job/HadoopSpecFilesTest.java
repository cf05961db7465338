package io.geoswap.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.spec.PipelineSpec;
import io.geoswap.common.spec.SpecLoader;
import io.geoswap.testkit.TestDb;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class HadoopSpecFilesTest {
  @Test
  void readsASpecAndItsSqlThroughHadoopsFileSystemByUri() {
    String uri = "file://" + TestDb.repoRoot().resolve("pipelines/zone_stats.yaml");
    PipelineSpec spec = new SpecLoader(new HadoopSpecFiles(new Configuration())).load(uri);
    assertThat(spec.transformLocation()).isEqualTo("file://" + TestDb.repoRoot().resolve("pipelines/zone_stats.sql"));
    assertThat(spec.transformSql()).contains("ST_Contains");
  }

  @Test
  void aMissingFileIsAUsageError() {
    assertThatThrownBy(() -> new HadoopSpecFiles(new Configuration()).read("file:///nonexistent/x.yaml"))
        .hasMessage("file not found: file:///nonexistent/x.yaml");
  }
}
