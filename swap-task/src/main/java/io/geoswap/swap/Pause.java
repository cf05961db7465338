package io.geoswap.swap;

import io.geoswap.common.GeoswapException;
import java.time.Duration;

/** Sleeping between attempts and polls: an interrupt ends the command as temporary (exit 75). */
final class Pause {
  private Pause() {}

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GeoswapException.temporary("interrupted", e);
    }
  }
}
