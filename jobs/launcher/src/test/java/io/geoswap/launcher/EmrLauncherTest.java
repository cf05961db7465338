package io.geoswap.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.CANCELLED;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.CANCELLING;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.FAILED;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.PENDING;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.RUNNING;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.SCHEDULED;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.SUBMITTED;
import static software.amazon.awssdk.services.emrserverless.model.JobRunState.SUCCESS;

import io.geoswap.common.ExitCode;
import io.geoswap.launcher.JobRuns.Run;
import io.geoswap.launcher.JobRuns.StartRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emrserverless.model.JobRunState;

/** The launcher's decisions against a hand-written fake of EMR Serverless, on a fake clock. */
class EmrLauncherTest {
  /** Runs whose states follow a script: each get() moves a run to its next scripted state. */
  static final class FakeRuns implements JobRuns {
    final Map<String, Run> runs = new LinkedHashMap<>();
    final Map<String, Deque<JobRunState>> scripts = new LinkedHashMap<>();
    final List<StartRequest> started = new ArrayList<>();
    final List<String> cancelled = new ArrayList<>();
    final List<JobRunState> next = new ArrayList<>();
    boolean applicationStarted;
    /** Runs once StartJobRun has created the run, before it answers. */
    Runnable whileStarting = () -> { };
    String details = "";

    FakeRuns script(JobRunState... states) {
      next.addAll(List.of(states));
      return this;
    }

    void existing(String id, String name, JobRunState state) {
      runs.put(id, new Run(id, name, state, null));
    }

    @Override
    public void ensureApplicationStarted() {
      applicationStarted = true;
    }

    @Override
    public List<Run> findByName(String name) {
      List<Run> found = new ArrayList<>(runs.values().stream().filter(r -> r.name().equals(name)).toList());
      java.util.Collections.reverse(found);
      return found;
    }

    @Override
    public Run start(StartRequest request) {
      started.add(request);
      String id = "run" + (runs.size() + 1);
      runs.put(id, new Run(id, request.name(), SUBMITTED, null));
      scripts.put(id, new ArrayDeque<>(next));
      whileStarting.run();
      return runs.get(id);
    }

    @Override
    public Run get(String id) {
      Deque<JobRunState> s = scripts.get(id);
      if (s != null && !s.isEmpty() && !runs.get(id).terminal()) {
        JobRunState state = s.poll();
        runs.put(id, new Run(id, runs.get(id).name(), state, state == FAILED ? details : null));
      }
      return runs.get(id);
    }

    @Override
    public void cancel(String id) {
      cancelled.add(id);
      scripts.put(id, new ArrayDeque<>(List.of(CANCELLING, CANCELLED)));
    }
  }

  private long now;

  private EmrLauncher launcher(FakeRuns runs, Duration timeout) {
    return new EmrLauncher(runs, new EmrLauncher.Settings(Duration.ofSeconds(10), timeout, Duration.ofMinutes(1)),
        () -> now, d -> now += d.toNanos());
  }

  private static StartRequest request() {
    return new StartRequest("geoswap-zone_stats-v1", null, "s3://b/geoswap-job.jar", List.of("--spec", "s3://b/zone_stats.yaml"),
        "--class io.geoswap.job.JobMain", Map.of("geoswap:pipeline", "zone_stats"), "s3://b/logs", null);
  }

  @Test
  void submitsWaitsAndSucceeds() {
    FakeRuns runs = new FakeRuns().script(PENDING, SCHEDULED, RUNNING, SUCCESS);
    EmrLauncher.Outcome o = launcher(runs, Duration.ofHours(1)).run(request());
    assertThat(o.exitCode()).isEqualTo(ExitCode.OK.code());
    assertThat(o.submitted()).isTrue();
    assertThat(runs.applicationStarted).isTrue();
    assertThat(runs.started).hasSize(1);
    assertThat(runs.started.get(0).clientToken()).hasSize(64).isEqualTo(EmrLauncher.clientToken("geoswap-zone_stats-v1", 1));
    assertThat(now).isEqualTo(Duration.ofSeconds(40).toNanos());
  }

  @Test
  void aFailedRunCarriesEmrsStateDetails() {
    FakeRuns runs = new FakeRuns().script(RUNNING, FAILED);
    runs.details = "Job failed, please check complete logs in configured logging destination. ExitCode: 3.";
    EmrLauncher.Outcome o = launcher(runs, Duration.ofHours(1)).run(request());
    assertThat(o.exitCode()).isEqualTo(ExitCode.UNEXPECTED.code());
    assertThat(o.message()).contains("failed: Job failed, please check complete logs").contains("ExitCode: 3");
  }

  @Test
  void aRunCancelledBySomeoneElseIsTemporary() {
    FakeRuns runs = new FakeRuns().script(RUNNING, CANCELLED);
    assertThat(launcher(runs, Duration.ofHours(1)).run(request()).exitCode()).isEqualTo(ExitCode.TEMPORARY.code());
  }

  @Test
  void anActiveRunOfTheSameNameIsReattachedNotResubmitted() {
    FakeRuns runs = new FakeRuns();
    runs.existing("old", "geoswap-zone_stats-v1", RUNNING);
    runs.scripts.put("old", new ArrayDeque<>(List.of(RUNNING, SUCCESS)));
    EmrLauncher.Outcome o = launcher(runs, Duration.ofHours(1)).run(request());
    assertThat(o.exitCode()).isZero();
    assertThat(o.reattached()).isTrue();
    assertThat(o.run().id()).isEqualTo("old");
    assertThat(runs.started).isEmpty();
  }

  @Test
  void anAlreadySucceededRunIsReportedAndNothingIsSubmitted() {
    FakeRuns runs = new FakeRuns();
    runs.existing("done", "geoswap-zone_stats-v1", SUCCESS);
    EmrLauncher.Outcome o = launcher(runs, Duration.ofHours(1)).run(request());
    assertThat(o.exitCode()).isZero();
    assertThat(o.submitted()).isFalse();
    assertThat(runs.started).isEmpty();
  }

  @Test
  void aRetryAfterAFailureSubmitsWithANewClientToken() {
    FakeRuns runs = new FakeRuns().script(RUNNING, SUCCESS);
    runs.existing("failed1", "geoswap-zone_stats-v1", FAILED);
    launcher(runs, Duration.ofHours(1)).run(request());
    assertThat(runs.started).hasSize(1);
    assertThat(runs.started.get(0).clientToken()).isEqualTo(EmrLauncher.clientToken("geoswap-zone_stats-v1", 2))
        .isNotEqualTo(EmrLauncher.clientToken("geoswap-zone_stats-v1", 1));
  }

  @Test
  void onTimeoutTheRunIsCancelledAndWaitedForThenSeventyFive() {
    FakeRuns runs = new FakeRuns().script(RUNNING, RUNNING, RUNNING, RUNNING, RUNNING, RUNNING, RUNNING);
    EmrLauncher.Outcome o = launcher(runs, Duration.ofSeconds(25)).run(request());
    assertThat(o.exitCode()).isEqualTo(ExitCode.TEMPORARY.code());
    assertThat(runs.cancelled).containsExactly("run1");
    assertThat(o.run().state()).isEqualTo(CANCELLED);
    assertThat(o.message()).contains("timed out after 25 s and was cancelled (now CANCELLED)");
  }

  @Test
  void aSignalWhileTheRunIsBeingSubmittedStillFindsItToCancel() {
    FakeRuns runs = new FakeRuns().script(RUNNING, SUCCESS);
    EmrLauncher launcher = launcher(runs, Duration.ofHours(1));
    List<String> seen = new ArrayList<>();
    runs.whileStarting = () -> launcher.current().ifPresent(r -> seen.add(r.id()));
    assertThat(launcher.current()).isEmpty();
    launcher.run(request());
    assertThat(seen).containsExactly("run1");
    assertThat(launcher.current()).as("nothing to cancel once the run has ended").isEmpty();
  }
}
