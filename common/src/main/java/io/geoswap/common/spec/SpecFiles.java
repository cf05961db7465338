package io.geoswap.common.spec;

import io.geoswap.common.GeoswapException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a spec and the files it names. Local paths here; the EMR launcher adds s3:// URIs. */
public interface SpecFiles {
  /** The text at {@code location}; a missing file is a usage error. */
  String read(String location);

  /** {@code relative} resolved against the folder of {@code base}; absolute and URI paths stay as they are. */
  static String resolve(String base, String relative) {
    if (relative.startsWith("/") || relative.contains("://")) {
      return relative;
    }
    int slash = base.lastIndexOf('/');
    return slash < 0 ? relative : base.substring(0, slash + 1) + relative;
  }

  /** Local files. */
  SpecFiles LOCAL = location -> {
    if (location.contains("://") && !location.startsWith("file://")) {
      throw GeoswapException.usage("cannot read '" + location + "': only local paths are supported here");
    }
    Path path = Path.of(location.startsWith("file://") ? location.substring("file://".length()) : location);
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw GeoswapException.usage("file not found: " + path);
    } catch (IOException e) {
      throw GeoswapException.usage("cannot read " + path + ": " + e.getMessage(), e);
    }
  };
}
