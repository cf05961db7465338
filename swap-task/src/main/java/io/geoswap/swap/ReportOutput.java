package io.geoswap.swap;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.aws.AwsOptions;
import io.geoswap.common.aws.S3Objects;
import io.geoswap.common.db.Db;
import io.geoswap.swap.compare.ChangeMap;
import io.geoswap.swap.compare.ColumnKind;
import io.geoswap.swap.compare.ComparisonReport;
import io.geoswap.swap.compare.RelationComparison.Relation;
import io.geoswap.swap.compare.ReportPage;
import java.io.IOException;
import java.sql.Connection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@code --report} writes: a local folder (created), or an {@code s3://bucket/prefix} where the tasks
 * run on ECS and reviewers open the page from the bucket. Each file is written whole.
 */
final class ReportOutput {
  private final String destination;
  private final AwsOptions aws;

  ReportOutput(String destination, AwsOptions aws) {
    if (destination == null || destination.isBlank()) throw GeoswapException.usage("--report: give a folder or s3://bucket/prefix");
    if (S3Objects.Location.is(destination)) {
      S3Objects.Location.parse(destination + "/x"); // a bucket, at least
    } else {
      // A folder that can't take the report is a usage error before anything runs, not after validate.
      Path dir = Path.of(destination);
      try {
        Files.createDirectories(dir);
      } catch (IOException | SecurityException e) {
        throw GeoswapException.usage("--report: cannot create the folder " + destination + ": " + e.getClass().getSimpleName());
      }
      if (!Files.isWritable(dir)) throw GeoswapException.usage("--report: the folder " + destination + " is not writable");
    }
    this.destination = destination;
    this.aws = aws;
  }

  /**
   * A comparison as {@code <base>.html} (the page a reviewer opens: counts, biggest changes, a map of what
   * moved, read in one READ ONLY transaction) and {@code <base>.json}; returns where the page went.
   *
   * @param preferredGeometry the geometry column to map, if the comparison has it (else its first one)
   */
  String writeComparison(Connection c, String base, String title, String verdict, ComparisonReport r, Relation newer,
      Relation older, String preferredGeometry, double geometryTolerance, String json) {
    String geometry = r.columns().stream().filter(col -> col.kind() == ColumnKind.GEOMETRY)
        .map(ComparisonReport.ColumnResult::column)
        .sorted(java.util.Comparator.comparing(col -> !col.equals(preferredGeometry))).findFirst().orElse(null);
    ChangeMap map = geometry == null ? null : Db.readOnly(c, "mapping what changed in " + newer,
        conn -> ChangeMap.read(conn, newer, older, r.key(), geometry, geometryTolerance));
    write(base + ".json", json + "\n", "application/json");
    return write(base + ".html", ReportPage.render(title, verdict, r, map), "text/html; charset=utf-8");
  }

  /** Writes {@code name} (a plain file name) and returns where it went. */
  String write(String name, String content, String contentType) {
    if (S3Objects.Location.is(destination)) {
      String location = destination.endsWith("/") ? destination + name : destination + "/" + name;
      new S3Objects(aws).write(location, content, contentType);
      return location;
    }
    Path file = Path.of(destination).resolve(name);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw GeoswapException.usage("--report: cannot write " + file + ": " + e.getClass().getSimpleName());
    }
    return file.toString();
  }
}
