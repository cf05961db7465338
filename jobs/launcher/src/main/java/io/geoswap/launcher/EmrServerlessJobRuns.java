package io.geoswap.launcher;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.aws.AwsOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.emrserverless.model.ApplicationState;
import software.amazon.awssdk.services.emrserverless.model.ConfigurationOverrides;
import software.amazon.awssdk.services.emrserverless.model.JobRunSummary;
import software.amazon.awssdk.services.emrserverless.model.MonitoringConfiguration;
import software.amazon.awssdk.services.emrserverless.model.ResourceNotFoundException;

/**
 * {@link JobRuns} on AWS EMR Serverless (SDK v2): one client with timeouts, the default credential and region
 * chains, and an endpoint override for tests. Service errors are mapped to geoswap's exit codes: throttling,
 * 5xx and connection trouble are temporary; anything else (access denied, a bad application id) is not.
 */
public final class EmrServerlessJobRuns implements JobRuns, AutoCloseable {
  /** How far back reattach looks for runs of the same name. */
  static final Duration LOOKBACK = Duration.ofDays(3);
  static final Duration APPLICATION_START_WAIT = Duration.ofMinutes(5);

  private final EmrServerlessClient client;
  private final String applicationId;
  private final String executionRoleArn;

  public EmrServerlessJobRuns(AwsOptions aws, String applicationId, String executionRoleArn) {
    var builder = EmrServerlessClient.builder().httpClient(AwsOptions.httpClient())
        .overrideConfiguration(AwsOptions.overrides());
    aws.awsRegion().ifPresent(builder::region);
    aws.endpoint().ifPresent(builder::endpointOverride);
    this.client = builder.build();
    this.applicationId = applicationId;
    this.executionRoleArn = executionRoleArn;
  }

  @Override
  public void ensureApplicationStarted() {
    call("GetApplication", () -> {
      long deadline = System.nanoTime() + APPLICATION_START_WAIT.toNanos();
      while (true) {
        ApplicationState state = client.getApplication(r -> r.applicationId(applicationId)).application().state();
        switch (state) {
          case STARTED -> {
            return null;
          }
          case CREATED, STOPPED -> client.startApplication(r -> r.applicationId(applicationId));
          case TERMINATED -> throw GeoswapException.usage("EMR Serverless application " + applicationId + " is terminated");
          default -> { } // CREATING, STARTING, STOPPING: wait
        }
        if (System.nanoTime() > deadline) {
          throw GeoswapException.temporary("EMR Serverless application " + applicationId + " is still " + state
              + " after " + APPLICATION_START_WAIT.toMinutes() + " min", null);
        }
        sleep(Duration.ofSeconds(2));
      }
    });
  }

  @Override
  public List<Run> findByName(String name) {
    return call("ListJobRuns", () -> {
      List<Run> runs = new ArrayList<>();
      try {
        for (JobRunSummary s : client.listJobRunsPaginator(r -> r.applicationId(applicationId)
            .createdAtAfter(Instant.now().minus(LOOKBACK))).jobRuns()) {
          if (name.equals(s.name())) runs.add(new Run(s.id(), s.name(), s.state(), s.stateDetails()));
        }
      } catch (ResourceNotFoundException e) {
        // The application exists (ensureApplicationStarted read it); the moto emulator answers this while
        // an application has no runs yet. Either way: no runs of that name.
      }
      return runs;
    });
  }

  @Override
  public Run start(StartRequest req) {
    return call("StartJobRun", () -> {
      MonitoringConfiguration.Builder monitoring = MonitoringConfiguration.builder();
      if (req.s3LogUri() != null) monitoring.s3MonitoringConfiguration(s -> s.logUri(req.s3LogUri()));
      if (req.cloudWatchLogGroup() != null) {
        monitoring.cloudWatchLoggingConfiguration(c -> c.enabled(true).logGroupName(req.cloudWatchLogGroup()));
      }
      String id = client.startJobRun(r -> r.applicationId(applicationId)
          .executionRoleArn(executionRoleArn)
          .clientToken(req.clientToken())
          .name(req.name())
          .tags(req.tags())
          .jobDriver(d -> d.sparkSubmit(s -> s.entryPoint(req.entryPoint())
              .entryPointArguments(req.arguments())
              .sparkSubmitParameters(req.sparkSubmitParameters())))
          .configurationOverrides(ConfigurationOverrides.builder().monitoringConfiguration(monitoring.build()).build()))
          .jobRunId();
      return get(id);
    });
  }

  @Override
  public Run get(String jobRunId) {
    return call("GetJobRun", () -> {
      var run = client.getJobRun(r -> r.applicationId(applicationId).jobRunId(jobRunId)).jobRun();
      return new Run(run.jobRunId(), run.name(), run.state(), run.stateDetails());
    });
  }

  @Override
  public void cancel(String jobRunId) {
    call("CancelJobRun", () -> client.cancelJobRun(r -> r.applicationId(applicationId).jobRunId(jobRunId)));
  }

  @Override
  public String dashboard(String jobRunId) {
    try {
      return client.getDashboardForJobRun(r -> r.applicationId(applicationId).jobRunId(jobRunId)).url();
    } catch (RuntimeException e) {
      return null; // a convenience only
    }
  }

  @Override
  public void close() {
    client.close();
  }

  private <T> T call(String operation, java.util.function.Supplier<T> body) {
    try {
      return body.get();
    } catch (AwsServiceException e) {
      String what = "EMR Serverless " + operation + " failed: " + e.awsErrorDetails().errorCode() + ": "
          + e.awsErrorDetails().errorMessage() + " (HTTP " + e.statusCode() + ")";
      if (e.statusCode() >= 500 || e.isThrottlingException()) throw GeoswapException.temporary(what, e);
      throw GeoswapException.usage(what, e);
    } catch (SdkClientException e) {
      throw GeoswapException.temporary("EMR Serverless " + operation + " failed: " + e.getMessage(), e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GeoswapException.temporary("interrupted", e);
    }
  }
}
