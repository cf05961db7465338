package io.geoswap.launcher;

import io.geoswap.common.Digests;
import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import io.geoswap.launcher.JobRuns.Run;
import io.geoswap.launcher.JobRuns.StartRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.emrserverless.model.JobRunState;

/**
 * Submits the job to EMR Serverless, waits for it, and never leaves an orphan run behind. Unlike the Airflow
 * provider's operator (apache/airflow#42401: a retry after a wait timeout submitted a second job;
 * #31099: marking the task failed did not cancel the job):
 * <ul>
 *   <li>before submitting, a non-terminal run of the same name (pipeline + version) is reattached to, and
 *       a successful one is reported without submitting anything;
 *   <li>the client token is derived from the run name and how many runs of it ended before, so a re-sent
 *       StartJobRun can't start a second job, while a genuine retry after a failure can start a new one;
 *   <li>on timeout the run is cancelled and waited for before exiting 75; on SIGTERM/SIGINT likewise.
 * </ul>
 */
public final class EmrLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(EmrLauncher.class);

  /** Bounds of the wait. */
  public record Settings(Duration pollInterval, Duration timeout, Duration cancelWait) {}

  /** Injected so unit tests don't sleep. */
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** How the run ended: exit code per the README, and what to say. */
  public record Outcome(int exitCode, Run run, boolean submitted, boolean reattached, String message) {}

  private final JobRuns runs;
  private final Settings settings;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private final AtomicReference<Run> current = new AtomicReference<>();
  /** The name of the run being submitted, until StartJobRun has answered with its id. */
  private final AtomicReference<String> submitting = new AtomicReference<>();

  public EmrLauncher(JobRuns runs, Settings settings, LongSupplier nanoTime, Sleeper sleeper) {
    this.runs = runs;
    this.settings = settings;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  /**
   * The run being waited on, if any (for the SIGTERM hook). A signal while StartJobRun is still answering
   * finds the run by its name: it exists by then, though only EMR knows its id.
   */
  public Optional<Run> current() {
    Run run = current.get();
    if (run != null) return Optional.of(run);
    String name = submitting.get();
    if (name == null) return Optional.empty();
    return runs.findByName(name).stream().filter(r -> !r.terminal()).findFirst();
  }

  public Outcome run(StartRequest template) {
    runs.ensureApplicationStarted();
    List<Run> previous = runs.findByName(template.name());
    Optional<Run> active = previous.stream().filter(r -> !r.terminal()).findFirst();
    Optional<Run> done = previous.stream().filter(r -> r.state() == JobRunState.SUCCESS).findFirst();
    Run run;
    boolean submitted = false;
    boolean reattached = false;
    if (active.isPresent()) {
      run = active.get();
      reattached = true;
      LOG.info("reattaching to job run {} ({}, {}) instead of submitting another", run.id(), run.name(), run.state());
    } else if (done.isPresent()) {
      LOG.info("job run {} ({}) already succeeded; submitting nothing", done.get().id(), template.name());
      return new Outcome(ExitCode.OK.code(), done.get(), false, false, "already succeeded");
    } else {
      long ended = previous.stream().filter(Run::terminal).count();
      StartRequest request = new StartRequest(template.name(), clientToken(template.name(), ended + 1),
          template.entryPoint(), template.arguments(), template.sparkSubmitParameters(), template.tags(),
          template.s3LogUri(), template.cloudWatchLogGroup());
      submitting.set(template.name());
      try {
        run = runs.start(request);
        current.set(run);
      } finally {
        submitting.set(null);
      }
      submitted = true;
      LOG.info("submitted job run {} ({}), attempt {}", run.id(), run.name(), ended + 1);
    }
    current.set(run);
    String dashboard = runs.dashboard(run.id());
    if (dashboard != null) LOG.info("dashboard: {}", dashboard);
    if (template.s3LogUri() != null) LOG.info("logs: {}/applications/…/jobs/{}/", template.s3LogUri(), run.id());
    return wait(run, submitted, reattached);
  }

  private Outcome wait(Run run, boolean submitted, boolean reattached) {
    long start = nanoTime.getAsLong();
    long deadline = start + settings.timeout().toNanos();
    JobRunState lastState = run.state();
    LOG.info("job run {}: {} (0 s)", run.id(), lastState);
    while (!run.terminal()) {
      if (nanoTime.getAsLong() >= deadline) {
        LOG.warn("job run {} still {} after {}; cancelling it", run.id(), run.state(), settings.timeout());
        Run cancelled = cancelAndWait(run.id());
        current.set(null);
        return new Outcome(ExitCode.TEMPORARY.code(), cancelled, submitted, reattached, "timed out after "
            + settings.timeout().toSeconds() + " s and was cancelled (now " + cancelled.state() + ")");
      }
      pause(settings.pollInterval());
      run = runs.get(run.id());
      current.set(run);
      if (run.state() != lastState) {
        lastState = run.state();
        LOG.info("job run {}: {} ({} s){}", run.id(), lastState, elapsedSeconds(start),
            run.stateDetails() == null || run.stateDetails().isBlank() ? "" : " – " + run.stateDetails());
      }
    }
    current.set(null);
    return switch (run.state()) {
      case SUCCESS -> new Outcome(ExitCode.OK.code(), run, submitted, reattached, "succeeded");
      case CANCELLED -> new Outcome(ExitCode.TEMPORARY.code(), run, submitted, reattached,
          "job run " + run.id() + " was cancelled" + details(run));
      default -> new Outcome(ExitCode.UNEXPECTED.code(), run, submitted, reattached,
          "job run " + run.id() + " failed" + details(run));
    };
  }

  /** Cancels a run and waits, bounded, until EMR says it is cancelled (or otherwise ended). */
  public Run cancelAndWait(String jobRunId) {
    runs.cancel(jobRunId);
    long deadline = nanoTime.getAsLong() + settings.cancelWait().toNanos();
    Run run = runs.get(jobRunId);
    while (!run.terminal() && nanoTime.getAsLong() < deadline) {
      pause(settings.pollInterval());
      run = runs.get(jobRunId);
    }
    LOG.info("job run {}: {} after cancel", jobRunId, run.state());
    return run;
  }

  /** Stable for one (run name, attempt); at most 64 characters as EMR requires. */
  static String clientToken(String name, long attempt) {
    return Digests.sha256Hex(name + "#" + attempt);
  }

  private long elapsedSeconds(long start) {
    return Duration.ofNanos(nanoTime.getAsLong() - start).toSeconds();
  }

  private static String details(Run run) {
    return run.stateDetails() == null || run.stateDetails().isBlank() ? "" : ": " + run.stateDetails();
  }

  private void pause(Duration d) {
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GeoswapException.temporary("interrupted while waiting for the job run", e);
    }
  }
}
