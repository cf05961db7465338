package io.geoswap.common.spec;

import io.geoswap.common.GeoswapException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads a spec and the files it names. Local paths here; the EMR launcher adds s3:// URIs. */
public interface SpecFiles {
  /** The text at {@code location}; a missing file is a usage error. */
  String read(String location);

  /**
   * Why {@code file}, as the spec at {@code spec} names it, is not a file inside the spec's folder (or S3
   * prefix), or null when it is. A spec names its files relative to itself, without {@code .} or {@code ..}
   * segments, so a spec can't make geoswap read (and quote in an error) any other file of the machine —
   * {@code /proc/self/environ}, a password file. Local files are also checked after following symlinks.
   */
  default String containmentProblem(String spec, String file) {
    // Local specs are also checked through symlinks; a URI's files by their path alone.
    return spec.contains("://") && !spec.startsWith("file://") ? lexicalProblem(file) : LOCAL.containmentProblem(spec, file);
  }

  /** The rule every kind of location shares: a relative path of plain segments. */
  static String lexicalProblem(String file) {
    if (file.startsWith("/") || file.contains("://") || file.contains("\\") || file.contains(":")) {
      return "'" + file + "' must be a path relative to the spec's folder (an absolute path or URI is not allowed)";
    }
    if (Arrays.stream(file.split("/", -1)).anyMatch(s -> s.equals("..") || s.equals(".") || s.isEmpty())) {
      return "'" + file + "' must stay inside the spec's folder (no '..', '.' or empty path segments)";
    }
    return null;
  }

  /** {@code relative} resolved against the folder of {@code base}; absolute and URI paths stay as they are. */
  static String resolve(String base, String relative) {
    if (relative.startsWith("/") || relative.contains("://")) {
      return relative;
    }
    int slash = base.lastIndexOf('/');
    return slash < 0 ? relative : base.substring(0, slash + 1) + relative;
  }

  /** Local files. */
  SpecFiles LOCAL = new SpecFiles() {
    @Override
    public String read(String location) {
      if (location.contains("://") && !location.startsWith("file://")) {
        throw GeoswapException.usage("cannot read '" + location + "': only local paths are supported here");
      }
      Path path = path(location);
      try {
        return Files.readString(path, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw GeoswapException.usage("file not found: " + path);
      } catch (IOException e) {
        throw GeoswapException.usage("cannot read " + path + ": " + e.getClass().getSimpleName(), e);
      }
    }

    /** Lexically inside, and still inside once symlinks are followed (of the folder and of the file). */
    @Override
    public String containmentProblem(String spec, String file) {
      String lexical = lexicalProblem(file);
      if (lexical != null) return lexical;
      Path specFolder = path(spec).toAbsolutePath().getParent();
      Path target = path(resolve(spec, file));
      try {
        if (!Files.exists(target) || specFolder == null) return null; // read() reports it missing
        Path realFolder = specFolder.toRealPath();
        if (!target.toRealPath().startsWith(realFolder)) {
          return "'" + file + "' leads outside the spec's folder " + realFolder + " (through a symlink)";
        }
        return null;
      } catch (IOException e) {
        return "'" + file + "' can't be resolved: " + e.getClass().getSimpleName();
      }
    }

    private Path path(String location) {
      return Path.of(location.startsWith("file://") ? location.substring("file://".length()) : location);
    }
  };
}
