package io.geoswap.common.aws;

import io.geoswap.common.spec.SpecFiles;

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
    return S3Objects.Location.is(location) ? new S3Objects(aws).read(location) : SpecFiles.LOCAL.read(location);
  }
}
