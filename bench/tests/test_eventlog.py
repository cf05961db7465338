"""The event log parser and the scale-out model, on a real run's event log.

data/zone_stats-local2.eventlog is the event log of `JobMain --spec pipelines/zone_stats.yaml` on local[2]
(200,000 events, 162,042 read in 2 source partitions), cut down by eventlog.trim. The expectations are
worked out here from the file's own lines, not copied from the model's output.
"""
import json
from collections import defaultdict
from pathlib import Path

import pytest

from geoswap_bench import eventlog
from geoswap_bench.eventlog import Model, groups, read, source_partitions, trim

FIXTURE = Path(__file__).parent / "data" / "zone_stats-local2.eventlog"


def raw_events():
    return [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


def raw_tasks():
    """Per stage, its tasks' (launch, finish) straight from the TaskEnd lines."""
    tasks = defaultdict(list)
    for e in raw_events():
        if e["Event"] == "SparkListenerTaskEnd":
            tasks[e["Stage ID"]].append((e["Task Info"]["Launch Time"], e["Task Info"]["Finish Time"]))
    return tasks


def raw_cpu_ms():
    """Per stage, its tasks' executor CPU time in ms (the log has ns)."""
    cpu = defaultdict(float)
    for e in raw_events():
        if e["Event"] == "SparkListenerTaskEnd":
            cpu[e["Stage ID"]] += e["Task Metrics"]["Executor CPU Time"] / 1e6
    return cpu


def busy_ms(intervals):
    """Time covered by at least one interval."""
    total, end = 0, None
    for b, e in sorted(intervals):
        if end is None or b >= end:
            total += e - b
            end = e
        elif e > end:
            total += e - end
            end = e
    return total


@pytest.fixture(scope="module")
def log():
    return read(FIXTURE)


@pytest.fixture(scope="module")
def model(log):
    # The application's window as the run's wall: then the driver time is the app's time without tasks.
    return Model(log, log.app_ms / 1000, source_partitions(log))


def test_every_task_end_is_counted_in_its_stage(log):
    tasks = raw_tasks()
    assert {s.id: len(s.tasks) for s in log.stages} == {sid: len(t) for sid, t in tasks.items()}
    assert {s.id: s.task_ms for s in log.stages} == {sid: sum(f - l for l, f in t) for sid, t in tasks.items()}
    assert {s.id: s.longest_ms for s in log.stages} == {sid: max(f - l for l, f in t) for sid, t in tasks.items()}


def test_each_stage_has_its_tasks_executor_cpu_time(log):
    assert {s.id: s.cpu_ms for s in log.stages} == pytest.approx(raw_cpu_ms())
    # The recording shared 2 cores with PostgreSQL and JIT threads: its tasks waited part of their time.
    assert all(0 < s.cpu_ms <= s.task_ms for s in log.stages)


def test_the_application_window_and_the_slots_come_from_their_events(log):
    ev = raw_events()
    start = next(e["Timestamp"] for e in ev if e["Event"] == "SparkListenerApplicationStart")
    end = next(e["Timestamp"] for e in ev if e["Event"] == "SparkListenerApplicationEnd")
    assert log.app_ms == end - start
    assert log.cores == sum(e["Executor Info"]["Total Cores"] for e in ev if e["Event"] == "SparkListenerExecutorAdded")


def test_the_source_scan_is_the_stage_that_reads_a_source_in_the_most_tasks(log):
    scans = [s for s in log.stages if s.reads_source]
    assert source_partitions(log) == max(len(s.tasks) for s in scans)
    assert source_partitions(log) >= 2  # the recording ran with Spark's default parallelism on 2 slots


def test_stage_groups_cover_the_time_tasks_ran_and_never_overlap(log):
    gs = groups(log)
    for a, b in zip(gs, gs[1:]):
        assert a.end_ms <= b.begin_ms
    every_task = [t for ts in raw_tasks().values() for t in ts]
    assert sum(g.window_ms for g in gs) == busy_ms(every_task)
    assert sorted(s.id for g in gs for s in g.stages) == sorted(raw_tasks())


def test_stages_whose_tasks_overlapped_are_one_group(log):
    windows = {sid: (min(l for l, _ in t), max(f for _, f in t)) for sid, t in raw_tasks().items()}
    group_of = {s.id: i for i, g in enumerate(groups(log)) for s in g.stages}
    for a, (ab, ae) in windows.items():
        for b, (bb, be) in windows.items():
            if a < b and ab < be and bb < ae:
                assert group_of[a] == group_of[b]


def test_driver_time_is_the_wall_without_any_task_running(log, model):
    every_task = [t for ts in raw_tasks().values() for t in ts]
    assert model.driver_s == pytest.approx((log.app_ms - busy_ms(every_task)) / 1000)


def test_on_one_slot_every_task_runs_in_turn(log, model):
    p = model.predict(slots=1, partitions=1)
    assert p.stages_s == pytest.approx(sum(s.task_ms for s in log.stages) / 1000)
    assert p.bound_by_longest_s == 0


def test_the_recorded_run_is_predicted_close_to_its_own_wall(log, model):
    p = model.predict(log.cores, source_partitions(log))
    # Not exact: within a group the tasks did not fill both slots every moment; the model assumes they do.
    assert p.wall_s == pytest.approx(log.app_ms / 1000, rel=0.1)


def test_more_slots_never_make_the_run_slower_and_stop_paying_at_the_longest_tasks(log, model):
    walls = [model.predict(n, model.partitions_needed(n)).wall_s for n in range(1, 257)]
    assert all(b <= a + 1e-9 for a, b in zip(walls, walls[1:]))
    # With endless slots and partitions what is left is the driver plus each group's longest task that
    # partitions can't split (the scans shrink towards nothing).
    floor = model.driver_s + sum(max([s.longest_ms / 1000 for s in g.stages if not model.is_scan(s)] or [0])
                                 for g in groups(log))
    assert model.predict(10**6, 10**9).wall_s == pytest.approx(floor, abs=0.01)
    assert walls[-1] >= floor


def test_with_the_partitions_needed_no_scan_is_bound_by_its_longest_task(log, model):
    scans = [s for s in log.stages if model.is_scan(s)]
    assert scans
    for slots in (1, 2, 4, 8, 64, 256):
        need = model.partitions_needed(slots)
        assert need % slots == 0
        for s in scans:
            assert model.longest_s(s, need) <= s.task_ms / 1000 / slots + 1e-9
    # With one partition a slot, the skew the run showed binds the scan.
    skewed = max(scans, key=lambda s: s.skew)
    if skewed.skew > 1:
        assert model.longest_s(skewed, 64) > skewed.task_ms / 1000 / 64


def test_more_rows_grow_only_the_scans(log, model):
    one, ten = model.predict(1, 1), model.predict(1, 1, rows_scale=10)
    scan_s = sum(s.task_ms for s in log.stages if model.is_scan(s)) / 1000
    assert ten.stages_s - one.stages_s == pytest.approx(9 * scan_s)
    assert ten.driver_s == one.driver_s


def test_only_the_per_row_share_of_the_scans_grows_with_the_rows(log):
    half = Model(log, log.app_ms / 1000, source_partitions(log), per_row_share=0.5)
    none = Model(log, log.app_ms / 1000, source_partitions(log), per_row_share=0.0)
    scan_s = sum(s.task_ms for s in log.stages if half.is_scan(s)) / 1000
    assert half.predict(1, 1, rows_scale=3).stages_s - half.predict(1, 1).stages_s == pytest.approx(scan_s)
    assert none.predict(1, 1, rows_scale=3).stages_s == pytest.approx(none.predict(1, 1).stages_s)


def test_the_cpu_model_counts_the_work_and_keeps_the_driver_time(log, model):
    cpu = Model(log, log.app_ms / 1000, source_partitions(log), cpu=True)
    assert cpu.driver_s == model.driver_s
    assert cpu.predict(1, 1).stages_s == pytest.approx(sum(raw_cpu_ms().values()) / 1000)
    assert cpu.predict(2, 2).wall_s < model.predict(2, 2).wall_s


def test_a_database_floor_holds_up_only_the_scans(log, model):
    free = model.predict(64, 64)
    floored = model.predict(64, 64, scan_floor_s=100.0)
    scan_groups = [g for g in groups(log) if any(model.is_scan(s) for s in g.stages)]
    others = free.stages_s - sum(max(g.task_ms / 1000 / 64,
                                     max(model.longest_s(s, 64) for s in g.stages)) for g in scan_groups)
    assert floored.stages_s == pytest.approx(others + 100.0 * len(scan_groups))


def test_a_run_read_in_one_partition_cannot_be_modelled(log):
    with pytest.raises(ValueError, match="at least 2 partitions"):
        Model(log, 10.0, 1)


def test_trimming_keeps_what_the_model_reads(tmp_path, log):
    out = tmp_path / "trimmed"
    trim(FIXTURE, out)
    again = read(out)
    assert (again.app_ms, again.cores) == (log.app_ms, log.cores)
    assert [(s.id, s.num_tasks, s.tasks, s.reads_source) for s in again.stages] == \
           [(s.id, s.num_tasks, s.tasks, s.reads_source) for s in log.stages]


def test_a_log_cut_short_ends_at_its_last_task(tmp_path, log):
    cut = tmp_path / "cut"
    cut.write_text("".join(line + "\n" for line in FIXTURE.read_text().splitlines()
                           if "SparkListenerApplicationEnd" not in line))
    short = read(cut)
    assert short.app_end_ms == max(t.finish_ms for s in log.stages for t in s.tasks)


def test_a_file_without_an_application_start_is_refused(tmp_path):
    f = tmp_path / "not-a-log"
    f.write_text('{"Event": "SparkListenerJobStart"}\n')
    with pytest.raises(ValueError, match="not a Spark event log"):
        eventlog.read(f)
