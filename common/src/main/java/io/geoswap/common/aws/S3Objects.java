package io.geoswap.common.aws;

import io.geoswap.common.GeoswapException;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The few S3 objects the tasks that run without Spark touch: a spec they read, a report they write. One
 * client per call: these are one-off reads and writes of small files.
 */
public final class S3Objects {
  private final AwsOptions aws;

  public S3Objects(AwsOptions aws) {
    this.aws = aws;
  }

  /** {@code s3://bucket/key} (or {@code s3a://}), split. */
  public record Location(String bucket, String key) {
    public static boolean is(String location) {
      return location.startsWith("s3://") || location.startsWith("s3a://");
    }

    /** The location, or a usage error naming it. */
    public static Location parse(String location) {
      String path = location.substring(location.indexOf("://") + 3);
      int slash = path.indexOf('/');
      if (!is(location) || slash <= 0 || slash == path.length() - 1) {
        throw GeoswapException.usage("'" + location + "' is not s3://bucket/key");
      }
      return new Location(path.substring(0, slash), path.substring(slash + 1));
    }

    @Override
    public String toString() {
      return "s3://" + bucket + "/" + key;
    }
  }

  public String read(String location) {
    Location at = Location.parse(location);
    try (S3Client s3 = client()) {
      return s3.getObjectAsBytes(r -> r.bucket(at.bucket()).key(at.key())).asString(StandardCharsets.UTF_8);
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

  /** Writes (or replaces) the object at {@code location}. */
  public void write(String location, String body, String contentType) {
    Location at = Location.parse(location);
    try (S3Client s3 = client()) {
      s3.putObject(r -> r.bucket(at.bucket()).key(at.key()).contentType(contentType),
          RequestBody.fromString(body, StandardCharsets.UTF_8));
    } catch (NoSuchBucketException e) {
      throw GeoswapException.usage("no such bucket: " + at.bucket() + " (writing " + location + ")");
    } catch (S3Exception e) {
      if (e.statusCode() == 403) {
        throw GeoswapException.usage("access denied writing " + location + " (s3:PutObject for the task's role?)");
      }
      if (e.statusCode() == 404) throw GeoswapException.usage("no such bucket: " + at.bucket() + " (writing " + location + ")");
      throw GeoswapException.temporary("writing " + location + " failed: " + e.awsErrorDetails().errorCode(), e);
    } catch (SdkClientException e) {
      throw GeoswapException.temporary("writing " + location + " failed: " + e.getMessage(), e);
    }
  }

  private S3Client client() {
    var builder = S3Client.builder().httpClient(AwsOptions.httpClient()).overrideConfiguration(AwsOptions.overrides());
    if (aws.awsRegion().isPresent()) {
      builder.region(aws.awsRegion().get());
    } else {
      // No region anywhere the SDK looks (env, profile, instance metadata) is a configuration error, not a
      // temporary one: say so in one line instead of the provider chain's paragraph.
      try {
        new DefaultAwsRegionProviderChain().getRegion();
      } catch (SdkClientException e) {
        throw GeoswapException.usage("no AWS region for S3: set AWS_REGION or --aws-region");
      }
    }
    // Emulators (and S3-compatible stores) serve buckets by path, not by virtual host.
    aws.endpoint().ifPresent(e -> builder.endpointOverride(e).forcePathStyle(true));
    return builder.build();
  }
}
