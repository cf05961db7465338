package io.geoswap.common.aws;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * Where AWS clients go: the region (else the SDK's default chain: AWS_REGION, profile, instance metadata)
 * and an endpoint override (tests: the moto emulator; also AWS_ENDPOINT_URL). Credentials always come from
 * the SDK's default chain (environment, web identity, ECS task role, instance profile), never from options.
 */
public record AwsOptions(String region, String endpointUrl) implements Serializable {
  /** Per-call bounds: a hung endpoint must not hang a task. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(60);

  public static AwsOptions of(String region, String endpointUrl, Map<String, String> env) {
    return new AwsOptions(region != null ? region : env.get("AWS_REGION"),
        endpointUrl != null ? endpointUrl : env.get("AWS_ENDPOINT_URL"));
  }

  public Optional<Region> awsRegion() {
    return Optional.ofNullable(region).filter(r -> !r.isBlank()).map(Region::of);
  }

  public Optional<URI> endpoint() {
    return Optional.ofNullable(endpointUrl).filter(e -> !e.isBlank()).map(URI::create);
  }

  public static SdkHttpClient httpClient() {
    return UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT).socketTimeout(SOCKET_TIMEOUT).build();
  }

  public static ClientOverrideConfiguration overrides() {
    return ClientOverrideConfiguration.builder().apiCallTimeout(API_CALL_TIMEOUT)
        .apiCallAttemptTimeout(SOCKET_TIMEOUT).build();
  }
}
