package io.geoswap.common.spec;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The values of one mapping of a spec, read by {@link SpecType.Mapping}: each by its declared key. */
final class SpecValues {
  private final Map<SpecKey<?>, Object> values = new HashMap<>();
  private final Set<SpecKey<?>> withProblems = new HashSet<>();

  /** A mapping that is absent: every key reads as its default. */
  static SpecValues none() {
    return new SpecValues();
  }

  /** {@code key}'s value as read, null if its type refused it; {@code problems}: whether any were found. */
  <T> void put(SpecKey<T> key, T value, boolean problems) {
    values.put(key, value);
    if (problems) withProblems.add(key);
  }

  /** Whether {@code key} was read without a problem (absent keys too). */
  boolean isValid(SpecKey<?> key) {
    return !withProblems.contains(key);
  }

  /** The key's value; its default when the key is absent; null when its value was refused. */
  @SuppressWarnings("unchecked")
  <T> T get(SpecKey<T> key) {
    return values.containsKey(key) ? (T) values.get(key) : key.defaultValue();
  }
}
