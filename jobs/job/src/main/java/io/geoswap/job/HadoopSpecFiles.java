package io.geoswap.job;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.spec.SpecFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Specs and their SQL from any file system Hadoop knows: on EMR Serverless {@code s3://} is EMRFS, on a
 * cluster with hadoop-aws {@code s3a://}; plain paths stay local. The job needs no S3 client of its own.
 */
public final class HadoopSpecFiles implements SpecFiles {
  private final Configuration conf;

  public HadoopSpecFiles(Configuration conf) {
    this.conf = conf;
  }

  @Override
  public String read(String location) {
    if (!location.contains("://")) return SpecFiles.LOCAL.read(location);
    try {
      URI uri = URI.create(location);
      FileSystem fs = FileSystem.get(uri, conf);
      try (InputStream in = fs.open(new Path(uri))) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (FileNotFoundException e) {
      throw GeoswapException.usage("file not found: " + location);
    } catch (IOException | IllegalArgumentException e) {
      throw GeoswapException.usage("cannot read " + location + ": " + e.getMessage(), e);
    }
  }
}
