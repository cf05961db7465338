package io.geoswap.common.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static io.geoswap.common.spec.SpecFixtures.VALID;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion.VersionFlag;
import com.networknt.schema.ValidationMessage;
import io.geoswap.common.spec.SpecType.Entries;
import io.geoswap.common.spec.SpecType.ListOf;
import io.geoswap.common.spec.SpecType.Mapping;
import io.geoswap.common.spec.SpecType.Text;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The README's table of spec keys and the published JSON Schema are what the declarations ({@link SpecKeys})
 * produce, so they can't drift; and the schema says no more and no less than the loader where a schema can
 * say it. Run with {@code -Dgeoswap.writeSpecDocs=true} to rewrite both files from the declarations.
 */
class SpecDocsTest {
  private static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
  private static final boolean WRITE = Boolean.getBoolean("geoswap.writeSpecDocs");
  private static final String HOW_TO_REGENERATE = "regenerate it: mvn -B -o test -pl common"
      + " -Dtest=SpecDocsTest -Dsurefire.failIfNoSpecifiedTests=false -Dgeoswap.writeSpecDocs=true";

  @Test
  void theSchemaFileIsGeneratedFromTheDeclarations() throws IOException {
    Path file = REPO.resolve(SpecDocs.SCHEMA_FILE);
    if (WRITE) Files.writeString(file, SpecDocs.schema());
    assertThat(Files.readString(file)).as(SpecDocs.SCHEMA_FILE + " differs from SpecKeys; " + HOW_TO_REGENERATE)
        .isEqualTo(SpecDocs.schema());
  }

  @Test
  void theReadmeTableIsGeneratedFromTheDeclarations() throws IOException {
    Path readme = REPO.resolve("README.md");
    String text = Files.readString(readme);
    int begin = text.indexOf(SpecDocs.BEGIN);
    int end = text.indexOf(SpecDocs.END);
    // What belongs between the markers, to paste (target/ is the build's own folder).
    Path generated = Path.of("target", "spec-keys.md");
    Files.createDirectories(generated.getParent());
    Files.writeString(generated, SpecDocs.BEGIN + "\n" + SpecDocs.table() + SpecDocs.END + "\n");
    assumeTrue(begin >= 0 && end > begin, "README.md has no " + SpecDocs.BEGIN + " … " + SpecDocs.END
        + " section yet: replace the table of keys in \"## The pipeline spec\" with common/" + generated);
    int from = begin + SpecDocs.BEGIN.length() + 1;
    if (WRITE) {
      text = text.substring(0, from) + SpecDocs.table() + text.substring(end);
      Files.writeString(readme, text);
      end = text.indexOf(SpecDocs.END);
    }
    assertThat(text.substring(from, end)).as("README.md's table of spec keys differs from SpecKeys; "
        + HOW_TO_REGENERATE).isEqualTo(SpecDocs.table());
  }

  @Test
  void theSchemaIsADraft07SchemaAndEveryShippedSpecFollowsIt() throws IOException {
    JsonNode schemaNode = new ObjectMapper().readTree(Files.readString(REPO.resolve(SpecDocs.SCHEMA_FILE)));
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(VersionFlag.V7);
    // The validator ships draft-07's meta-schema (its $id is json-schema.org's; no network here).
    JsonSchema metaSchema;
    try (var in = JsonSchemaFactory.class.getResourceAsStream("/draft-07/schema")) {
      metaSchema = factory.getSchema(new ObjectMapper().readTree(in));
    }
    assertThat(metaSchema.validate(schemaNode)).isEmpty();

    List<Path> specs = shippedSpecs();
    assertThat(specs).hasSizeGreaterThanOrEqualTo(3);
    for (Path spec : specs) {
      assertThat(schemaProblems(Files.readString(spec))).as(spec.toString()).isEmpty();
      assertThat(new SpecLoader(SpecFiles.LOCAL).load(spec.toString()).name()).isNotEmpty();
    }
  }

  @Test
  void everyShippedSpecPointsEditorsAtTheSchema() throws IOException {
    for (Path spec : shippedSpecs()) {
      String first = Files.readString(spec).lines().findFirst().orElse("");
      assertThat(first).as(spec.toString()).startsWith("# yaml-language-server: $schema=");
      Path schema = spec.getParent().resolve(first.substring(first.indexOf('=') + 1).trim()).normalize();
      assertThat(schema).as(spec + " names the schema").isEqualTo(REPO.resolve(SpecDocs.SCHEMA_FILE).normalize());
    }
  }

  @Test
  void everyKeyIsDescribedForTheDocs() {
    List<String> undescribed = new ArrayList<>();
    SpecDocs.eachKey(SpecKeys.SPEC, "", (path, key) -> {
      if (key.description().isBlank()) undescribed.add(path);
    });
    assertThat(undescribed).isEmpty();
  }

  /** Texts that the rules behind the schema's patterns must judge alike. */
  @ParameterizedTest
  @ValueSource(strings = {"zone_stats", "_x", "a1", "Zone", "1a", "a b", "a;b", "", " ", "a-b", "é",
      "a234567890123456789012345678901234567890", "a23456789012345678901234567890123456789",
      "a23456789012345678901234567890123456789012345678901234567890123",
      "a234567890123456789012345678901234567890123456789012345678901234",
      "public.zones", "public.", ".zones", "a.b.c", "Public.zones", "public.zones; --",
      "0 3 * * *", " 0 3 * * * ", "0 3 * *", "0 3 * * * *", "@daily", "@", "daily", "0\t3 * * *",
      "spark.sql.shuffle.partitions", "spark.", "spark", "sql.x", "spark.jars", "spark.jars.packages",
      "spark.sql.catalog.x", "spark.driver.extraJavaOptions", "spark.executorEnv.X", "spark.hadoop.fs.x",
      "spark.sql.adaptive.enabled", "spark.sql.runSQLOnFilesX", "spark.serializer"})
  void eachPatternInTheSchemaAcceptsWhatTheLoaderAccepts(String text) {
    for (Text type : patternedTexts(SpecKeys.SPEC, new ArrayList<>())) {
      // A schema's pattern matches anywhere in the text (ECMA-262 search), as find() does.
      assertThat(type.pattern().matcher(text).find())
          .as(type.label() + " " + type.pattern() + " on '" + text + "'")
          .isEqualTo(type.problem().apply(text) == null);
    }
  }

  /**
   * Changes to {@link SpecFixtures#VALID} ({@code old=>new}), each refused or accepted by the loader for a
   * reason a schema can state: both must judge it alike. (SQL, files, and rules between keys only the loader
   * sees.)
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "name: zone_stats=>name: Zone_Stats",
      "name: zone_stats\n=>",
      "name: zone_stats=>name: [zone_stats]",
      "schedule: \"0 3 * * *\"=>schedule: \"0 3 * *\"",
      "schedule: \"0 3 * * *\"=>schedule: \"@daily\"",
      "schema: public=>schema: \"public; drop\"",
      "  view: vw_zone_stats\n=>",
      "retain: 3=>retian: 3",
      "key: [zone_id]=>key: []",
      "key: [zone_id]=>key: zone_id",
      "key: [zone_id]=>key: [zone_id, \"a b\"]",
      "srid: 4326=>srid: many",
      "srid: 4326=>srid: 0",
      "srid: 4326=>srid: 999000",
      "srid: 4326=>srid: 4326, type: polygon",
      "srid: 4326=>srid: 4326, type: Polygons",
      "srid: 4326=>srid: 4326, typ: Point",
      "  geometry: {column: geom, srid: 4326}\n=>",
      "method: gist=>method: rtree",
      "method: gist=>method: GIST",
      ", method: gist=>",
      "columns: [geom]=>columns: []",
      "- {columns: [geom], method: gist}=>- geom",
      "indexes:\n    - {columns: [geom], method: gist}=>indexes: "
          + "[{columns: [a]}, {columns: [a]}, {columns: [a]}, {columns: [a]}, {columns: [a]}, {columns: [a]},"
          + " {columns: [a]}, {columns: [a]}, {columns: [a]}, {columns: [a]}, {columns: [a]}]",
      "retain: 3=>retain: 101",
      "retain: 3=>retain: -1",
      "retain: 3=>retain: 0",
      "zones:  {table: public.zones}=>zones:  {table: a.b.c}",
      "zones:  {table: public.zones}=>zones:  {table: zones}",
      "zones:  {table: public.zones}=>Zones:  {table: zones}",
      "zones:  {table: public.zones}=>zones:  public.zones",
      "zones:  {table: public.zones}=>zones:  {table: zones, allow_empty: true}",
      "zones:  {table: public.zones}=>zones:  {table: zones, allow_empty: maybe}",
      "zones:  {table: public.zones}=>zones:  {tabel: zones}",
      "partitions: 8=>partitions: 0",
      "partitions: 8=>partitions: 10001",
      "partition_column: id=>partition_column: \"id desc\"",
      "on_invalid_geometry: make_valid=>on_invalid_geometry: DROP",
      "on_invalid_geometry: make_valid=>on_invalid_geometry: ignore",
      "min_rows: 1=>min_rows: 0",
      "min_rows: 1=>min_rows: -1",
      "max_change_pct: 20=>max_change_pct: -1",
      "max_change_pct: 20=>max_change_pct: 2.5",
      "max_change_pct: 20=>max_change_pct: x",
      "not_null: [zone_id, geom]=>not_null: []",
      "not_null: [zone_id, geom]=>not_null: Geom",
      "valid_geometry: true=>valid_geometry: 1",
      "- \"SELECT count(*) > 0 FROM ${table}\"=>- \"\"",
      "- \"SELECT count(*) > 0 FROM ${table}\"=>- 5",
      "sql:\n    - \"SELECT count(*) > 0 FROM ${table}\"=>sql: \"SELECT 1\"",
      "checks:=>checks_:",
      "spark.sql.shuffle.partitions: 4=>spark.jars: x",
      "spark.sql.shuffle.partitions: 4=>sql.x: 1",
      "spark.sql.shuffle.partitions: 4=>spark.x: [1]",
      "spark.sql.shuffle.partitions: 4=>spark.sql.adaptive.enabled: true",
      "transform: zone_stats.sql\n=>",
      "sources:=>sources: {}\nsources_:",
  })
  void theSchemaRefusesWhatTheLoaderRefusesWhereASchemaCanSeeIt(String change) {
    String[] parts = change.split("=>", -1);
    String yaml = VALID.replace(parts[0], parts[1]);
    assertThat(yaml).as("the change applies").isNotEqualTo(VALID);
    List<String> loaderProblems;
    try {
      SpecFixtures.loader(Map.of("p/zone_stats.sql", "SELECT 1")).parse(yaml, "p/zone_stats.yaml");
      loaderProblems = List.of();
    } catch (SpecException e) {
      loaderProblems = e.problems();
    }
    assertThat(schemaProblems(yaml).isEmpty()).as("loader: " + loaderProblems + "; schema: " + schemaProblems(yaml))
        .isEqualTo(loaderProblems.isEmpty());
  }

  private static Set<ValidationMessage> schemaProblems(String yaml) {
    try {
      JsonNode schema = new ObjectMapper().readTree(Files.readString(REPO.resolve(SpecDocs.SCHEMA_FILE)));
      Object spec = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
      return JsonSchemaFactory.getInstance(VersionFlag.V7).getSchema(schema)
          .validate(new ObjectMapper().valueToTree(spec));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<Path> shippedSpecs() throws IOException {
    List<Path> specs = new ArrayList<>();
    try (Stream<Path> pipelines = Files.list(REPO.resolve("pipelines"));
        Stream<Path> workloads = Files.walk(REPO.resolve("bench/workloads"), 2)) {
      Stream.concat(pipelines, workloads).filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(specs::add);
    }
    return specs;
  }

  /** The text types under {@code key} that state a pattern. */
  private static List<Text> patternedTexts(SpecKey<?> key, List<Text> out) {
    SpecType<?> type = key.type();
    if (type instanceof Text t && t.pattern() != null) out.add(t);
    if (type instanceof Mapping m) m.keys().forEach(k -> patternedTexts(k, out));
    if (type instanceof ListOf<?> l) patternedTexts(l.item(), out);
    if (type instanceof Entries<?> e) {
      patternedTexts(e.name(), out);
      patternedTexts(e.value(), out);
    }
    return out;
  }
}
