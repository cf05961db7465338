package io.geoswap.common.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.geoswap.common.spec.SpecType.Choice;
import io.geoswap.common.spec.SpecType.Decimal;
import io.geoswap.common.spec.SpecType.Entries;
import io.geoswap.common.spec.SpecType.Flag;
import io.geoswap.common.spec.SpecType.ListOf;
import io.geoswap.common.spec.SpecType.Mapping;
import io.geoswap.common.spec.SpecType.Text;
import io.geoswap.common.spec.SpecType.WholeNumber;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * What the docs say about the spec's keys, generated from their declarations ({@link SpecKeys}): the
 * README's table of keys and the JSON Schema editors check specs with ({@code pipelines/geoswap-spec.schema.json},
 * draft-07, which yaml-language-server reads). SpecDocsTest fails when the files differ from these, and
 * rewrites them when run with {@code -Dgeoswap.writeSpecDocs=true}.
 */
final class SpecDocs {
  /** Where the schema is published, relative to the repository. */
  static final String SCHEMA_FILE = "pipelines/geoswap-spec.schema.json";
  static final String BEGIN = "<!-- spec-keys:begin: generated from SpecKeys.java; SpecDocsTest checks it -->";
  static final String END = "<!-- spec-keys:end -->";
  private static final String WHERE_FROM = "common/src/main/java/io/geoswap/common/spec/SpecKeys.java";

  private SpecDocs() {}

  // ---- the README's table

  /** The table of keys, one row per key, in the order they are declared; ends with a newline. */
  static String table() {
    StringBuilder out = new StringBuilder("| key | type | meaning | default |\n| --- | --- | --- | --- |\n");
    eachKey(SpecKeys.SPEC, "", (path, key) -> out.append("| `").append(path).append("` | ")
        .append(cell(typeText(key.type()))).append(" | ").append(cell(key.description())).append(" | ")
        .append(cell(key.defaultText())).append(" |\n"));
    return out.toString();
  }

  /** Every key under {@code key} (at {@code path}), depth first, with its dotted path. */
  static void eachKey(SpecKey<?> key, String path, BiConsumer<String, SpecKey<?>> visit) {
    String prefix = path.isEmpty() ? "" : path + ".";
    SpecType<?> type = key.type();
    if (type instanceof Mapping m) {
      for (SpecKey<?> child : m.keys()) {
        visit.accept(prefix + child.name(), child);
        eachKey(child, prefix + child.name(), visit);
      }
    } else if (type instanceof ListOf<?> l) {
      eachKey(l.item(), path + "[]", visit);
    } else if (type instanceof Entries<?> e) {
      eachKey(e.value(), prefix + e.name().name(), visit);
    }
  }

  private static String typeText(SpecType<?> type) {
    if (type instanceof Text t) return t.label();
    if (type instanceof WholeNumber n) {
      return "whole number " + (n.max() == Integer.MAX_VALUE ? "≥ " + n.min() : n.min() + "–" + n.max());
    }
    if (type instanceof Decimal d) return "number ≥ " + number(d.min());
    if (type instanceof Flag) return "`true` or `false`";
    if (type instanceof Choice c) {
      return c.values().stream().map(v -> "`" + v + "`").collect(Collectors.joining(", ", "one of ", ""))
          + (c.anyCase() ? " (any case)" : "");
    }
    if (type instanceof ListOf<?> l) {
      List<String> limits = new ArrayList<>();
      if (l.minItems() > 0) limits.add("at least " + l.minItems());
      if (l.maxItems() < Integer.MAX_VALUE) limits.add("at most " + l.maxItems());
      String item = typeText(l.item().type());
      return (l.singleToo() ? item + ", or a list of them" : "list of " + plural(item))
          + (limits.isEmpty() ? "" : " (" + String.join(", ", limits) + ")");
    }
    if (type instanceof Entries<?> e) {
      return "mapping of `" + e.name().name() + "` (" + typeText(e.name().type()) + ") to "
          + typeText(e.value().type()) + (e.minEntries() > 0 ? ", at least " + e.minEntries() : "");
    }
    return "mapping";
  }

  private static String plural(String noun) {
    return noun.endsWith("y") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }

  // ---- the JSON Schema

  /** The schema as it is published: two-space indents, {@code "key": value}, a final newline. */
  static String schema() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("$schema", "http://json-schema.org/draft-07/schema#");
    root.put("title", "geoswap pipeline spec");
    root.put("description", "Generated from " + WHERE_FROM + " (SpecDocsTest); don't edit. geoswap's loader checks"
        + " more than a schema can say: the SQL, the files a spec names, rules between keys.");
    root.setAll(typeSchema(SpecKeys.SPEC.type()));
    try {
      return new ObjectMapper().writer(new Printer()).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode keySchema(SpecKey<?> key) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    if (!key.description().isEmpty()) node.put("description", key.description());
    Object value = key.defaultValue();
    if (value instanceof String s) node.put("default", s);
    if (value instanceof Integer i) node.put("default", i);
    if (value instanceof Boolean b) node.put("default", b);
    node.setAll(typeSchema(key.type()));
    return node;
  }

  private static ObjectNode typeSchema(SpecType<?> type) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    if (type instanceof Text t) {
      if (t.stringsOnly()) {
        node.put("type", "string").put("pattern", "\\S");
      } else if (t.pattern() != null) {
        node.put("type", "string").put("pattern", t.pattern().pattern());
      } else {
        node.putArray("type").add("string").add("number").add("boolean");
      }
    } else if (type instanceof WholeNumber n) {
      node.put("type", "integer").put("minimum", n.min()).put("maximum", n.max());
    } else if (type instanceof Decimal d) {
      node.put("type", "number").put("minimum", d.min());
    } else if (type instanceof Flag) {
      node.put("type", "boolean");
    } else if (type instanceof Choice c) {
      node.put("type", "string");
      ArrayNode values = c.anyCase() ? node.putArray("anyOf").addObject().putArray("enum") : node.putArray("enum");
      c.values().forEach(values::add);
      if (c.anyCase()) ((ArrayNode) node.get("anyOf")).addObject().put("pattern", anyCase(c.values()));
    } else if (type instanceof ListOf<?> l) {
      ObjectNode list = JsonNodeFactory.instance.objectNode().put("type", "array");
      list.set("items", keySchema(l.item()));
      if (l.minItems() > 0) list.put("minItems", l.minItems());
      if (l.maxItems() < Integer.MAX_VALUE) list.put("maxItems", l.maxItems());
      if (l.singleToo()) {
        node.putArray("anyOf").add(keySchema(l.item())).add(list);
      } else {
        node.setAll(list);
      }
    } else if (type instanceof Entries<?> e) {
      node.put("type", "object");
      if (e.minEntries() > 0) node.put("minProperties", e.minEntries());
      node.set("propertyNames", typeSchema(e.name().type()));
      node.set("additionalProperties", keySchema(e.value()));
    } else if (type instanceof Mapping m) {
      node.put("type", "object").put("additionalProperties", false);
      ObjectNode properties = node.putObject("properties");
      m.keys().forEach(k -> properties.set(k.name(), keySchema(k)));
      List<String> required = m.keys().stream().filter(SpecKey::isRequired).map(SpecKey::name).toList();
      if (!required.isEmpty()) required.forEach(node.putArray("required")::add);
    }
    return node;
  }

  /** A pattern matching any of {@code values} in any case (ECMA-262 patterns have no {@code (?i)}). */
  private static String anyCase(List<String> values) {
    return values.stream().map(v -> v.chars().mapToObj(c -> Character.isLetter(c)
            ? "[" + Character.toLowerCase((char) c) + Character.toUpperCase((char) c) + "]"
            : String.valueOf((char) c)).collect(Collectors.joining()))
        .collect(Collectors.joining("|", "^(?:", ")$"));
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  /** Jackson's pretty printer, but {@code "key": value} and always {@code \n}. */
  private static final class Printer extends DefaultPrettyPrinter {
    Printer() {
      _objectFieldValueSeparatorWithSpaces = ": ";
      indentObjectsWith(new DefaultIndenter("  ", "\n"));
      indentArraysWith(new DefaultIndenter("  ", "\n"));
    }

    @Override
    public DefaultPrettyPrinter createInstance() {
      return new Printer();
    }
  }
}
