package io.geoswap.common.aws;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.spec.SpecFiles;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Specs on S3 ({@code s3://bucket/key}) for the tasks that run without Spark (swap-task on ECS); local paths
 * as {@link SpecFiles#LOCAL}. The client is made on first use: a local spec needs no AWS at all.
 */
public final class S3SpecFiles implements SpecFiles {
  private final AwsOptions aws;

  public S3SpecFiles(AwsOptions aws) {
    this.aws = aws;
  }

  @Override
  public String read(String location) {
    if (!location.startsWith("s3://") && !location.startsWith("s3a://")) {
      return SpecFiles.LOCAL.read(location);
    }
    String path = location.substring(location.indexOf("://") + 3);
    int slash = path.indexOf('/');
    if (slash <= 0 || slash == path.length() - 1) {
      throw GeoswapException.usage("'" + location + "' is not s3://bucket/key");
    }
    String bucket = path.substring(0, slash);
    String key = path.substring(slash + 1);
    var builder = S3Client.builder().httpClient(AwsOptions.httpClient()).overrideConfiguration(AwsOptions.overrides());
    aws.awsRegion().ifPresent(builder::region);
    // Emulators (and S3-compatible stores) serve buckets by path, not by virtual host.
    aws.endpoint().ifPresent(e -> builder.endpointOverride(e).forcePathStyle(true));
    try (S3Client s3 = builder.build()) {
      return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
    } catch (NoSuchKeyException | NoSuchBucketException e) {
      throw GeoswapException.usage("file not found: " + location);
    } catch (S3Exception e) {
      if (e.statusCode() == 403) {
        throw GeoswapException.usage("access denied reading " + location + " (s3:GetObject for the task's role?)");
      }
      if (e.statusCode() == 404) throw GeoswapException.usage("file not found: " + location);
      throw GeoswapException.temporary("reading " + location + " failed: " + e.awsErrorDetails().errorCode(), e);
    } catch (SdkClientException e) {
      throw GeoswapException.temporary("reading " + location + " failed: " + e.getMessage(), e);
    }
  }
}
