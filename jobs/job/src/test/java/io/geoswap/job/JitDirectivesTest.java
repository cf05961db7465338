package io.geoswap.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class JitDirectivesTest {
  private static String printed() throws Exception {
    return String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
        new Object[] {new String[0]}, new String[] {String[].class.getName()}));
  }

  @Test
  void theStartUpPackagesAreKeptFromC2OnceHoweverOftenAJobStartsInTheJvm() throws Exception {
    JitDirectives.install();
    JitDirectives.install();
    String directives = printed();
    // The JVM parsed the resource (a bad file would leave only the default directive) and holds it once.
    assertThat(directives).contains("org/antlr/*.*", "org/codehaus/*.*", "scala/reflect/*.*");
    assertThat(directives.split("org/antlr/\\*\\.\\*", -1)).hasSize(2);
    // Nothing on the data path: JTS, Sedona, Spark's execution, the JDK's collections, TLS on the COPY
    // streams (sun/security/ssl) and shuffle reads (DataInputStream) still get C2.
    assertThat(directives).doesNotContain("org/locationtech", "org/apache/sedona", "java/util/HashMap",
        "org/apache/spark/sql/execution", "sun/security/*", "sun/security/ssl", "java/io/DataInputStream");
  }
}
