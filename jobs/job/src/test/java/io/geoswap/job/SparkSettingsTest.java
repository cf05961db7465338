package io.geoswap.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.geoswap.testkit.TestDb;
import java.nio.file.Files;
import org.apache.sedona.core.serde.SedonaKryoRegistrator;
import org.apache.spark.serializer.KryoSerializer;
import org.junit.jupiter.api.Test;

class SparkSettingsTest {
  @Test
  void theKryoSettingsNameTheClassesTheyMean() {
    assertThat(SparkSettings.KRYO).containsEntry("spark.serializer", KryoSerializer.class.getName())
        .containsEntry("spark.kryo.registrator", SedonaKryoRegistrator.class.getName());
  }

  @Test
  void aSubmittedJobGetsKryoAndRelateNgOnEveryJvm() {
    assertThat(SparkSettings.submitted()).containsExactly(
        "spark.serializer=org.apache.spark.serializer.KryoSerializer",
        "spark.kryo.registrator=org.apache.sedona.core.serde.SedonaKryoRegistrator",
        "spark.executorEnv.SCARF_NO_ANALYTICS=true",
        "spark.driver.extraJavaOptions=-Djts.relate=ng",
        "spark.executor.extraJavaOptions=-Djts.relate=ng");
  }

  @Test
  void localJvmsGetRelateNgFromTheSameFlag() throws Exception {
    assertThat(Files.readAllLines(TestDb.repoRoot().resolve("jvm/spark-java17.args")))
        .contains(SparkSettings.JTS_RELATE_NG);
  }
}
