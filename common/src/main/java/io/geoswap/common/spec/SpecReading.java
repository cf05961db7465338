package io.geoswap.common.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * One reading of one spec: where it was read from (rules on file names need it) and every problem found so
 * far, each as {@code key: problem}. Reading never stops at the first problem; {@link #throwIfAny} reports
 * them all at once.
 */
final class SpecReading {
  private final String location;
  private final SpecFiles files;
  private final List<String> problems = new ArrayList<>();

  SpecReading(String location, SpecFiles files) {
    this.location = location;
    this.files = files;
  }

  /** Where the spec was read from (a path or an s3:// URI). */
  String location() {
    return location;
  }

  SpecFiles files() {
    return files;
  }

  /** The spec's file name without {@code .yaml}/{@code .yml}. */
  String fileName() {
    return location.substring(location.lastIndexOf('/') + 1).replaceFirst("\\.ya?ml$", "");
  }

  void add(String key, String problem) {
    problems.add(key + ": " + problem);
  }

  /** How many problems were found so far: a key read without adding any is valid. */
  int count() {
    return problems.size();
  }

  void throwIfAny() {
    if (!problems.isEmpty()) throw new SpecException(location, problems);
  }
}
