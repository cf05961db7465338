package io.geoswap.common.spec;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import java.util.List;

/** A spec with problems; all of them, each with its key, not just the first. */
public class SpecException extends GeoswapException {
  private final List<String> problems;

  public SpecException(String location, List<String> problems) {
    super(ExitCode.USAGE.code(), "invalid spec " + location + ": " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
