package io.geoswap.launcher;

import io.geoswap.job.JobMain;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** A target of {@code run}: the job's options, and the launcher's environment and stdout. */
abstract class TargetCommand implements Callable<Integer> {
  /** The job's main class, as spark-submit and EMR Serverless start it. */
  static final String JOB_CLASS = JobMain.class.getName();

  @ParentCommand RunCommand run;
  @Mixin JobOptions job = new JobOptions();

  Map<String, String> env() {
    return run.main.env;
  }

  PrintStream out() {
    return run.main.out;
  }
}
