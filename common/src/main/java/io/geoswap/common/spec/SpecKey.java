package io.geoswap.common.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One key of the pipeline spec, declared once (as Debezium declares a connector's settings with its
 * {@code Field}): its name, its type, whether it is required or else its default, what it means, and the
 * rules its value follows beyond its type. {@link SpecLoader} validates a spec with these declarations
 * ({@link SpecKeys}); the README's table of keys and the JSON Schema {@code pipelines/geoswap-spec.schema.json}
 * are generated from them, and a test fails when either differs (SpecDocsTest). Immutable.
 *
 * @param <T> the value's Java type, as the loader reads it
 */
final class SpecKey<T> {
  /**
   * A rule a value of the right type must also follow (SQL that parses, a file inside the spec's folder, a
   * rule between the keys of a mapping …).
   */
  @FunctionalInterface
  interface Rule<T> {
    /** Adds to {@code spec} every problem with {@code value}, read at {@code key}, with its key. */
    void check(T value, String key, SpecReading spec);

    /** A rule that depends on the value alone and finds at most one problem, with the value's key. */
    static <T> Rule<T> of(Function<T, String> problemOrNull) {
      return (value, key, spec) -> {
        String problem = problemOrNull.apply(value);
        if (problem != null) spec.add(key, problem);
      };
    }
  }

  private final String name;
  private final SpecType<T> type;
  private final boolean required;
  private final T defaultValue;
  private final String defaultText;
  private final String description;
  private final List<Rule<T>> rules;

  private SpecKey(String name, SpecType<T> type, boolean required, T defaultValue, String defaultText,
      String description, List<Rule<T>> rules) {
    this.name = name;
    this.type = type;
    this.required = required;
    this.defaultValue = defaultValue;
    this.defaultText = defaultText;
    this.description = description;
    this.rules = List.copyOf(rules);
  }

  /** An optional key without a default (absent, it reads as null) and without a description yet. */
  static <T> SpecKey<T> of(String name, SpecType<T> type) {
    return new SpecKey<>(name, type, false, null, "none", "", List.of());
  }

  SpecKey<T> required() {
    return new SpecKey<>(name, type, true, null, "required", description, rules);
  }

  /** The value an absent key reads as; the docs show it as {@code `value`}. */
  SpecKey<T> withDefault(T value) {
    return withDefault(value, "`" + value + "`");
  }

  /** The value an absent key reads as, and what the docs say about it. */
  SpecKey<T> withDefault(T value, String text) {
    return new SpecKey<>(name, type, false, value, text, description, rules);
  }

  /** What an absent key means, for the docs (the key reads as its default value, or null). */
  SpecKey<T> absentMeans(String text) {
    return new SpecKey<>(name, type, required, defaultValue, text, description, rules);
  }

  SpecKey<T> describedAs(String text) {
    return new SpecKey<>(name, type, required, defaultValue, defaultText, text, rules);
  }

  /** Adds a rule; rules run, all of them, only on a value its type accepted. */
  SpecKey<T> rule(Rule<T> rule) {
    List<Rule<T>> more = new ArrayList<>(rules);
    more.add(rule);
    return new SpecKey<>(name, type, required, defaultValue, defaultText, description, more);
  }

  SpecKey<T> rule(Function<T, String> problemOrNull) {
    return rule(Rule.of(problemOrNull));
  }

  String name() {
    return name;
  }

  SpecType<T> type() {
    return type;
  }

  boolean isRequired() {
    return required;
  }

  T defaultValue() {
    return defaultValue;
  }

  /** "required", the default ({@code `2`}), or what an absent key means ("manual only"). */
  String defaultText() {
    return defaultText;
  }

  String description() {
    return description;
  }

  /**
   * Reads {@code raw} (present, or an item of a list or mapping) as this key's value at {@code key}: its type
   * first, then, if the type accepted it, every rule. Problems go to {@code spec}; the result is null when
   * the type refused the value.
   */
  T read(Object raw, String key, SpecReading spec) {
    T value = type.read(raw, key, spec);
    if (value != null) {
      rules.forEach(rule -> rule.check(value, key, spec));
    }
    return value;
  }
}
