package io.geoswap.launcher;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.emrserverless.model.JobRunState;

/** The few EMR Serverless calls the launcher makes: a seam so its logic is testable with a fake. */
public interface JobRuns {
  /** Starts the application if it is stopped or still being created, and waits (bounded) until it is ready. */
  void ensureApplicationStarted();

  /** Recent runs with this name, newest first. */
  List<Run> findByName(String name);

  Run start(StartRequest request);

  Run get(String jobRunId);

  void cancel(String jobRunId);

  /** A link to the run's dashboard, or null when there is none. */
  default String dashboard(String jobRunId) {
    return null;
  }

  /** A job run as the launcher sees it. */
  record Run(String id, String name, JobRunState state, String stateDetails) {
    /** Whether the run has ended (EMR Serverless API reference, "JobRunState"); a state this SDK doesn't know is not an end. */
    public boolean terminal() {
      return switch (state) {
        case SUCCESS, FAILED, CANCELLED -> true;
        default -> false;
      };
    }
  }

  /** What StartJobRun gets. */
  record StartRequest(String name, String clientToken, String entryPoint, List<String> arguments,
      String sparkSubmitParameters, Map<String, String> tags, String s3LogUri, String cloudWatchLogGroup) {}
}
