package io.geoswap.common.spec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The type of a spec key: the shape its YAML value must have and the constraints a JSON Schema states too
 * (a pattern, a range, a list of choices, how many items). Each type reads a value out of the parsed YAML,
 * reporting what is wrong with the key it is read at; the records' fields are what the docs and the schema
 * are generated from.
 *
 * @param <T> the Java type of a value read
 */
sealed interface SpecType<T> {
  String SINGLE_VALUE = "must be a single value";

  /** The value {@code raw} (never absent, but null inside a list or mapping) at {@code key}, or null if refused. */
  T read(Object raw, String key, SpecReading spec);

  /** Any single value, as text (a number reads as its digits). */
  static Text text(String label) {
    return new Text(label, null, null, false, SINGLE_VALUE);
  }

  /**
   * A single value that {@code problem} accepts (it returns null). {@code pattern} matches exactly the values
   * {@code problem} accepts, for the schema (a test holds them to that); null if no pattern can say it.
   */
  static Text text(String label, Pattern pattern, Function<String, String> problem) {
    return new Text(label, pattern, problem, false, SINGLE_VALUE);
  }

  /**
   * Text.
   *
   * @param label what the docs call it ("identifier")
   * @param pattern a pattern (ECMA-262 and Java alike) accepting exactly the values {@code problem} accepts
   * @param problem why a value is refused, or null when it isn't; null: any value
   * @param stringsOnly whether only non-blank YAML strings are accepted (else any single value)
   * @param shape the problem with a value of the wrong shape
   */
  record Text(String label, Pattern pattern, Function<String, String> problem, boolean stringsOnly, String shape)
      implements SpecType<String> {
    @Override
    public String read(Object raw, String key, SpecReading spec) {
      boolean single = stringsOnly
          ? raw instanceof String s && !s.isBlank()
          : raw != null && !(raw instanceof Map) && !(raw instanceof List);
      if (!single) {
        spec.add(key, shape);
        return null;
      }
      String value = String.valueOf(raw);
      String refused = problem == null ? null : problem.apply(value);
      if (refused != null) {
        spec.add(key, refused);
        return null;
      }
      return value;
    }
  }

  /** A whole number in {@code min..max}. */
  record WholeNumber(int min, int max) implements SpecType<Integer> {
    @Override
    public Integer read(Object raw, String key, SpecReading spec) {
      if (!(raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger)) {
        spec.add(key, "'" + raw + "' is not a whole number");
        return null;
      }
      BigInteger value = new BigInteger(raw.toString());
      if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
        spec.add(key, value + " is outside " + min + ".." + max);
        return null;
      }
      return value.intValue();
    }
  }

  /** A number, at least {@code min}. */
  record Decimal(double min) implements SpecType<Double> {
    /**
     * A number YAML 1.2 reads as one but SnakeYAML's YAML 1.1 reads as text: {@code 1e-9} (1.1's floats need
     * a dot, {@code 1.0e-9}). What a user writes for a tolerance.
     */
    private static final Pattern EXPONENT = Pattern.compile("[-+]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)[eE][-+]?[0-9]+");

    @Override
    public Double read(Object raw, String key, SpecReading spec) {
      if (raw instanceof String text && EXPONENT.matcher(text).matches()) raw = Double.valueOf(text);
      if (!(raw instanceof Number n)) {
        spec.add(key, "'" + raw + "' is not a number");
        return null;
      }
      if (n.doubleValue() < min) {
        spec.add(key, "must be ≥ " + (min == Math.rint(min) ? String.valueOf((long) min) : String.valueOf(min)));
        return null;
      }
      return n.doubleValue();
    }
  }

  /** {@code true} or {@code false}. */
  record Flag() implements SpecType<Boolean> {
    @Override
    public Boolean read(Object raw, String key, SpecReading spec) {
      if (raw instanceof Boolean b) return b;
      spec.add(key, "'" + raw + "' is not true or false");
      return null;
    }
  }

  /** One of {@code values}, read as written there; {@code anyCase}: whatever the case it is written in. */
  record Choice(List<String> values, boolean anyCase) implements SpecType<String> {
    public Choice {
      values = List.copyOf(values);
    }

    @Override
    public String read(Object raw, String key, SpecReading spec) {
      if (raw == null || raw instanceof Map || raw instanceof List) {
        spec.add(key, SINGLE_VALUE);
        return null;
      }
      String value = String.valueOf(raw);
      for (String choice : values) {
        if (anyCase ? choice.equalsIgnoreCase(value) : choice.equals(value)) return choice;
      }
      spec.add(key, "'" + value + "' is not one of " + String.join(", ", values));
      return null;
    }
  }

  /**
   * A list of {@code item}s, each read at {@code key[i]}; the list holds those read.
   *
   * @param singleToo whether one value stands for a list of it ({@code key: zone_id})
   * @param tooFew the problem with fewer than {@code minItems} items
   * @param tooMany the problem with more than {@code maxItems} items
   * @param shape the problem with a value that is not a list
   */
  record ListOf<T>(SpecKey<T> item, boolean singleToo, int minItems, String tooFew, int maxItems, String tooMany,
      String shape) implements SpecType<List<T>> {
    @Override
    public List<T> read(Object raw, String key, SpecReading spec) {
      List<?> list;
      if (raw instanceof List<?> l) {
        list = l;
      } else if (singleToo && raw != null && !(raw instanceof Map)) {
        list = List.of(raw);
      } else {
        spec.add(key, shape);
        return null;
      }
      if (list.size() < minItems) spec.add(key, tooFew);
      if (list.size() > maxItems) spec.add(key, tooMany);
      List<T> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        T value = item.read(list.get(i), key + "[" + i + "]", spec);
        if (value != null) out.add(value);
      }
      return out;
    }
  }

  /**
   * A mapping of names the spec chooses ({@code sources.<alias>}, {@code spark.<setting>}) to values; each
   * entry is read at {@code key.<name>}, name and value. The result keeps the spec's order.
   */
  record Entries<T>(SpecKey<String> name, SpecKey<T> value, int minEntries, String tooFew)
      implements SpecType<Map<String, T>> {
    @Override
    public Map<String, T> read(Object raw, String key, SpecReading spec) {
      if (!(raw instanceof Map<?, ?> map)) {
        spec.add(key, "must be a mapping");
        return null;
      }
      if (map.size() < minEntries) spec.add(key, tooFew);
      Map<String, T> out = new LinkedHashMap<>();
      map.forEach((k, v) -> {
        String entryKey = key + "." + k;
        String entryName = name.read(String.valueOf(k), entryKey, spec);
        T entryValue = value.read(v, entryKey, spec);
        if (entryName != null && entryValue != null) out.put(entryName, entryValue);
      });
      return out;
    }
  }

  /**
   * A mapping of declared keys; any other key is a problem, so a typo never falls back to a default.
   *
   * @param example the shape, for the problem with a value that is not a mapping ({@code {table: public.zones}})
   */
  record Mapping(List<SpecKey<?>> keys, String example) implements SpecType<SpecValues> {
    public Mapping {
      keys = List.copyOf(keys);
    }

    @Override
    public SpecValues read(Object raw, String key, SpecReading spec) {
      if (!(raw instanceof Map<?, ?> map)) {
        spec.add(key, example == null ? "must be a mapping" : "must be a mapping like " + example);
        return null;
      }
      String prefix = key.isEmpty() ? "" : key + ".";
      TreeSet<String> known = new TreeSet<>();
      keys.forEach(k -> known.add(k.name()));
      for (Object k : map.keySet()) {
        if (!known.contains(String.valueOf(k))) spec.add(prefix + k, "unknown key (known: " + known + ")");
      }
      SpecValues values = SpecValues.none();
      keys.forEach(k -> readKey(k, map.get(k.name()), prefix, spec, values));
      return values;
    }

    private static <T> void readKey(SpecKey<T> key, Object raw, String prefix, SpecReading spec, SpecValues values) {
      if (raw != null) {
        int before = spec.count();
        T value = key.read(raw, prefix + key.name(), spec);
        values.put(key, value, spec.count() > before);
      } else if (key.isRequired()) {
        spec.add(prefix + key.name(), "is required");
      }
    }
  }
}
