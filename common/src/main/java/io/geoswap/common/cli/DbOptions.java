package io.geoswap.common.cli;

import io.geoswap.common.aws.AwsOptions;
import io.geoswap.common.db.DbSecrets;
import io.geoswap.common.db.DbSettings;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where a task's database settings come from: one picocli mixin for the job, the launcher and swap-task. */
public final class DbOptions {
  @Option(names = "--db-secret-id", description = "AWS Secrets Manager secret (RDS JSON) with the database"
      + " settings; without it the PG* environment variables are used.")
  public String secretId;

  @Option(names = "--aws-region", description = "AWS region (default: the SDK's chain, e.g. AWS_REGION).")
  public String awsRegion;

  @Option(names = "--aws-endpoint-url", hidden = true, description = "AWS endpoint override (tests).")
  public String awsEndpointUrl;

  public AwsOptions aws(Map<String, String> env) {
    return AwsOptions.of(awsRegion, awsEndpointUrl, env);
  }

  /** The settings from the secret, else from PG*; logged once with the password masked. */
  public DbSettings resolve(Map<String, String> env, String app) {
    return DbSecrets.resolve(env, secretId, aws(env), app);
  }
}
