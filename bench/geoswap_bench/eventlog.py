"""Spark's event log of one run, and what it predicts for the same run on more task slots.

The event log (`spark.eventLog.enabled`) is one JSON object a line, each a listener event. What this reads:
  SparkListenerApplicationStart/End   the application's window ("Timestamp", ms)
  SparkListenerExecutorAdded          the cores each executor brings ("Executor Info" → "Total Cores")
  SparkListenerStageSubmitted         a stage's task count and its RDDs ("Stage Info")
  SparkListenerTaskEnd                each task's "Launch Time" and "Finish Time" ("Task Info", ms) and its
                                      "Executor CPU Time" ("Task Metrics", ns)
Field names as Spark 3.5 writes them (org.apache.spark.util.JsonProtocol).

The model is Sparklens' (qubole/sparklens, "Spark Scheduler simulator"): a run is the driver's time, when no
task runs (JVM and Spark start, planning, the driver's own database work, shutdown), which no executor
shortens, plus per stage max(ideal, longest task), ideal being the stage's task time spread evenly over the
task slots, the longest task the floor no number of slots goes under. Stages whose tasks overlapped in time
(independent stages run side by side) are taken together, as one group. The source scan's tasks are set by
the spec's `partitions`: for a scan stage the longest task is its task time over the partitions, times the
skew the run showed (longest ÷ mean task), so more partitions lower that floor.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

# The RDDs a geoswap source scan starts from: the COPY extract parallelizes its statements
# (jobs/job/…/extract/CopyRowSource), the JDBC extract is Spark's JDBCRDD.
SOURCE_RDDS = ("ParallelCollectionRDD", "JDBCRDD")


@dataclass(frozen=True)
class Task:
    launch_ms: int
    finish_ms: int
    cpu_ms: float = 0.0  # the executor's CPU time on it ("Executor CPU Time", ns in the log)

    @property
    def ms(self) -> int:
        return self.finish_ms - self.launch_ms


@dataclass
class Stage:
    id: int
    name: str
    num_tasks: int
    rdds: tuple[str, ...] = ()
    tasks: list[Task] = field(default_factory=list)

    @property
    def task_ms(self) -> int:
        return sum(t.ms for t in self.tasks)

    @property
    def longest_ms(self) -> int:
        return max((t.ms for t in self.tasks), default=0)

    @property
    def cpu_ms(self) -> float:
        return sum(t.cpu_ms for t in self.tasks)

    @property
    def skew(self) -> float:
        """Longest ÷ mean task: 1 when the tasks were even."""
        return self.longest_ms * len(self.tasks) / self.task_ms if self.task_ms else 1.0

    @property
    def reads_source(self) -> bool:
        return any(r in SOURCE_RDDS for r in self.rdds)


@dataclass
class EventLog:
    app_start_ms: int
    app_end_ms: int
    cores: int  # task slots: the executors' cores (local mode: the driver's "executor")
    stages: list[Stage]

    @property
    def app_ms(self) -> int:
        return self.app_end_ms - self.app_start_ms


def read(path: str | Path) -> EventLog:
    """Parses one application's event log (an uncompressed file, not rolled)."""
    start = end = None
    cores: dict[str, int] = {}
    stages: dict[int, Stage] = {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            kind = e.get("Event")
            if kind == "SparkListenerApplicationStart":
                start = e["Timestamp"]
            elif kind == "SparkListenerApplicationEnd":
                end = e["Timestamp"]
            elif kind == "SparkListenerExecutorAdded":
                cores[e["Executor ID"]] = e["Executor Info"]["Total Cores"]
            elif kind == "SparkListenerExecutorRemoved":
                pass  # a removed executor's cores still counted while it ran: the runs here keep theirs
            elif kind == "SparkListenerStageSubmitted":
                info = e["Stage Info"]
                sid = info["Stage ID"]
                stages.setdefault(sid, Stage(sid, info.get("Stage Name", ""), info["Number of Tasks"],
                                             tuple(r.get("Name", "") for r in info.get("RDD Info", []))))
            elif kind == "SparkListenerTaskEnd":
                ti = e["Task Info"]
                sid = e["Stage ID"]
                stage = stages.setdefault(sid, Stage(sid, "", 0))
                cpu_ns = (e.get("Task Metrics") or {}).get("Executor CPU Time", 0)
                stage.tasks.append(Task(ti["Launch Time"], ti["Finish Time"], cpu_ns / 1e6))
    if start is None:
        raise ValueError(f"{path}: no SparkListenerApplicationStart: not a Spark event log")
    ran = [s for s in stages.values() if s.tasks]
    if end is None:  # a run that died: the log ends with its last event
        end = max([start] + [t.finish_ms for s in ran for t in s.tasks])
    return EventLog(start, end, sum(cores.values()), sorted(ran, key=lambda s: min(t.launch_ms for t in s.tasks)))


def trim(src: str | Path, dst: str | Path) -> None:
    """Writes the events and fields `read` uses, nothing else (the SQL plans and metrics make up most of a
    log): how bench/tests/data's event log was cut from a real run's."""
    keep_stage = ("Stage ID", "Stage Attempt ID", "Stage Name", "Number of Tasks")
    with open(src) as f, open(dst, "w") as out:
        for line in f:
            e = json.loads(line)
            kind = e.get("Event")
            if kind in ("SparkListenerApplicationStart", "SparkListenerApplicationEnd"):
                t = {"Event": kind, "Timestamp": e["Timestamp"]}
            elif kind == "SparkListenerExecutorAdded":
                t = {"Event": kind, "Executor ID": e["Executor ID"],
                     "Executor Info": {"Total Cores": e["Executor Info"]["Total Cores"]}}
            elif kind == "SparkListenerStageSubmitted":
                info = e["Stage Info"]
                t = {"Event": kind, "Stage Info": {**{k: info[k] for k in keep_stage if k in info},
                                                    "RDD Info": [{"Name": r["Name"][:40]} for r in info["RDD Info"]]}}
            elif kind == "SparkListenerTaskEnd":
                ti = e["Task Info"]
                t = {"Event": kind, "Stage ID": e["Stage ID"], "Stage Attempt ID": e["Stage Attempt ID"],
                     "Task Info": {k: ti[k] for k in ("Task ID", "Index", "Launch Time", "Finish Time", "Executor ID")},
                     "Task Metrics": {"Executor CPU Time": (e.get("Task Metrics") or {}).get("Executor CPU Time", 0)}}
            else:
                continue
            out.write(json.dumps(t) + "\n")


@dataclass
class Group:
    """Stages whose tasks overlapped in time: they ran side by side, and shared the slots."""
    stages: list[Stage]
    begin_ms: int
    end_ms: int

    @property
    def window_ms(self) -> int:
        return self.end_ms - self.begin_ms

    @property
    def task_ms(self) -> int:
        return sum(s.task_ms for s in self.stages)


def groups(log: EventLog) -> list[Group]:
    out: list[Group] = []
    for s in log.stages:  # by first launch
        b, e = min(t.launch_ms for t in s.tasks), max(t.finish_ms for t in s.tasks)
        if out and b < out[-1].end_ms:
            out[-1].stages.append(s)
            out[-1].end_ms = max(out[-1].end_ms, e)
        else:
            out.append(Group([s], b, e))
    return out


@dataclass
class Prediction:
    wall_s: float
    driver_s: float
    stages_s: float
    bound_by_longest_s: float  # how much of stages_s is a longest task's (or the database floor's), not the slots' share


def source_partitions(log: EventLog) -> int:
    """How many partitions the run's largest source was read in: the most tasks of a stage reading a source."""
    return max((len(s.tasks) for s in log.stages if s.reads_source), default=0)


class Model:
    """wall(slots, P) = driver time + Σ over stage groups max(task time ÷ slots, longest task).

    `wall_s` is the run's measured wall (the process's, JVM start to exit): its driver time is that wall less
    the time any task ran, so the start before Spark's application and the exit after it count as driver time.
    The scan stages are those that start from a source RDD in `partitions` tasks, the recorded run's count of
    the source that `partitions` splits; it must be at least 2, or a scan can't be told from a one-task read.

    With `cpu`, a task's time is its executor CPU time instead of its duration: the work alone, as if every
    slot had a core to itself and never waited for the database — on a machine whose cores the run shares
    (with PostgreSQL, the JIT, other processes) durations count the waiting too. The stage groups and the
    driver time stay those of the durations.
    """

    def __init__(self, log: EventLog, wall_s: float, partitions: int, per_row_share: float = 1.0, cpu: bool = False):
        if partitions < 2:
            raise ValueError("the model needs a run whose source was read in at least 2 partitions")
        self.log, self.wall_s, self.partitions, self.cpu = log, wall_s, partitions, cpu
        # The part of the scans' task time that grows with the rows; the rest (JIT, code generation, the
        # COPY's start) is paid once a task whatever it reads.
        self.per_row_share = min(1.0, max(0.0, per_row_share))
        self.groups = groups(log)
        busy_s = sum(g.window_ms for g in self.groups) / 1000
        self.driver_s = max(0.0, wall_s - busy_s)

    def is_scan(self, s: Stage) -> bool:
        return s.reads_source and len(s.tasks) == self.partitions

    def _ms(self, t: Task) -> float:
        return t.cpu_ms if self.cpu else t.ms

    def work_ms(self, s: Stage) -> float:
        return sum(self._ms(t) for t in s.tasks)

    def longest_ms(self, s: Stage) -> float:
        return max((self._ms(t) for t in s.tasks), default=0)

    def skew(self, s: Stage) -> float:
        total = self.work_ms(s)
        return self.longest_ms(s) * len(s.tasks) / total if total else 1.0

    def scan_skew(self) -> float:
        return max((self.skew(s) for s in self.log.stages if self.is_scan(s)), default=1.0)

    def scan_task_s(self) -> float:
        return sum(self.work_ms(s) for s in self.log.stages if self.is_scan(s)) / 1000

    def task_s(self, s: Stage, rows_scale: float) -> float:
        """A stage's task time; a scan's per-row part grows with the rows read (one row's work is the same at
        any size: COPY decoding, the geometry checks, the join, the partial aggregate), the others' is per zone."""
        if not self.is_scan(s):
            return self.work_ms(s) / 1000
        return self.work_ms(s) / 1000 * (1 - self.per_row_share + self.per_row_share * rows_scale)

    def longest_s(self, s: Stage, partitions: int, rows_scale: float = 1.0) -> float:
        """A stage's longest task with `partitions` source partitions: a scan's task time splits over them
        (with the skew this run showed, never more than the whole); any other stage keeps its own."""
        if not self.is_scan(s):
            return self.longest_ms(s) / 1000
        t = self.task_s(s, rows_scale)
        return min(t, t / partitions * self.skew(s))

    def predict(self, slots: int, partitions: int, rows_scale: float = 1.0, scan_floor_s: float = 0.0) -> Prediction:
        """The run on `slots` task slots (executors × cores) with its source in `partitions` partitions,
        reading `rows_scale` times the rows; a scan's stages take at least `scan_floor_s` (what the database
        needs to serve them)."""
        stages = bound = 0.0
        for g in self.groups:
            ideal = sum(self.task_s(s, rows_scale) for s in g.stages) / slots
            longest = max(self.longest_s(s, partitions, rows_scale) for s in g.stages)
            if any(self.is_scan(s) for s in g.stages):
                longest = max(longest, scan_floor_s)
            stages += max(ideal, longest)
            bound += max(0.0, longest - ideal)
        return Prediction(self.driver_s + stages, self.driver_s, stages, bound)

    def partitions_needed(self, slots: int) -> int:
        """The fewest source partitions, a whole multiple of the slots (so every wave fills them), with which
        no scan stage is bound by its longest task: task time ÷ P × skew ≤ task time ÷ slots."""
        return slots * max(1, math.ceil(self.scan_skew() - 1e-9))
