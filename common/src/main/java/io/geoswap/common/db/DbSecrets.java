package io.geoswap.common.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geoswap.common.GeoswapException;
import io.geoswap.common.aws.AwsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Database settings from AWS Secrets Manager: the JSON of an RDS secret ({@code host}, {@code port},
 * {@code dbname}, {@code username}, {@code password}, optional {@code sslmode}, {@code sslrootcert}), or,
 * without a secret id, the PG* environment. The secret's value never appears in a message: a malformed
 * secret is reported by the keys it lacks.
 */
public final class DbSecrets {
  private static final Logger LOG = LoggerFactory.getLogger(DbSecrets.class);

  /** Reads a secret's string; a seam for tests. */
  public interface SecretSource {
    String secretString(String secretId);
  }

  private DbSecrets() {}

  /** Settings from the secret {@code secretId} if given, else from PG*; logged once, password masked. */
  public static DbSettings resolve(Map<String, String> env, String secretId, AwsOptions aws, String app) {
    DbSettings settings = secretId == null || secretId.isBlank()
        ? DbSettings.fromEnv(env, app)
        : fromSecret(secretId, awsSource(aws).secretString(secretId), env, app);
    LOG.info("database: {}{}", settings, secretId == null ? " (from PG* environment)" : " (from secret " + secretId + ")");
    return settings;
  }

  /** Parses an RDS-style secret; PGSSLMODE / PGSSLROOTCERT from the environment apply when it has none. */
  static DbSettings fromSecret(String secretId, String json, Map<String, String> env, String app) {
    JsonNode node;
    try {
      node = new ObjectMapper().readTree(json);
    } catch (Exception e) {
      throw GeoswapException.usage("secret " + secretId + " is not JSON (expected the RDS secret format:"
          + " host, port, dbname, username, password)");
    }
    if (node == null || !node.isObject()) {
      throw GeoswapException.usage("secret " + secretId + " is not a JSON object (expected host, port, dbname, username, password)");
    }
    List<String> missing = new ArrayList<>();
    for (String k : List.of("host", "username", "password")) {
      if (!node.hasNonNull(k) || node.get(k).asText().isBlank()) missing.add(k);
    }
    String dbname = node.hasNonNull("dbname") ? node.get("dbname").asText() : null;
    if (dbname == null) missing.add("dbname");
    int port = DbSettings.DEFAULT_PORT;
    if (node.hasNonNull("port")) {
      port = node.get("port").asInt(-1);
      if (port < 1 || port > 65535) missing.add("port (not a TCP port)");
    }
    String sslMode = node.hasNonNull("sslmode") ? node.get("sslmode").asText() : env.getOrDefault("PGSSLMODE", DbSettings.DEFAULT_SSL_MODE);
    if (!DbSettings.SSL_MODES.contains(sslMode)) missing.add("sslmode (not one of " + DbSettings.SSL_MODES + ")");
    if (!missing.isEmpty()) {
      throw GeoswapException.usage("secret " + secretId + " lacks or has bad " + String.join(", ", missing)
          + " (expected the RDS secret format: host, port, dbname, username, password[, sslmode])");
    }
    String rootCert = node.hasNonNull("sslrootcert") ? node.get("sslrootcert").asText() : env.get("PGSSLROOTCERT");
    return new DbSettings(node.get("host").asText(), port, dbname, node.get("username").asText(),
        node.get("password").asText(), sslMode, rootCert, DbSettings.DEFAULT_CONNECT_TIMEOUT, app);
  }

  /** Secrets Manager through the SDK's default credential and region chains. */
  public static SecretSource awsSource(AwsOptions aws) {
    return secretId -> {
      var builder = SecretsManagerClient.builder().httpClient(AwsOptions.httpClient())
          .overrideConfiguration(AwsOptions.overrides());
      aws.awsRegion().ifPresent(builder::region);
      aws.endpoint().ifPresent(builder::endpointOverride);
      try (SecretsManagerClient client = builder.build()) {
        String value = client.getSecretValue(r -> r.secretId(secretId)).secretString();
        if (value == null) throw GeoswapException.usage("secret " + secretId + " has no string value");
        io.geoswap.common.Redactor.register(value);
        return value;
      } catch (ResourceNotFoundException e) {
        throw GeoswapException.usage("secret " + secretId + " not found in Secrets Manager");
      } catch (AwsServiceException e) {
        int status = e.statusCode();
        String what = "reading secret " + secretId + " failed: " + e.awsErrorDetails().errorCode() + " (HTTP " + status + ")";
        if (status >= 500 || status == 429 || e.isThrottlingException()) throw GeoswapException.temporary(what, null);
        throw GeoswapException.usage(what + "; check the task role's secretsmanager:GetSecretValue permission");
      } catch (SdkClientException e) {
        throw GeoswapException.temporary("reading secret " + secretId + " failed: " + e.getMessage(), null);
      }
    };
  }

}
