"""The geoswap DAGs on a real Airflow 3: structure, import hygiene, and runs end to end."""
from __future__ import annotations

import importlib
import os
import shutil
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from conftest import ROOT, psql

DAG_ID = "geoswap__zone_stats"


def dagbag(pipelines: Path | None = None) -> DagBag:
    if pipelines:
        os.environ["GEOSWAP_PIPELINES_DIR"] = str(pipelines)
    try:
        return DagBag(dag_folder=str(ROOT / "dags"))
    finally:
        os.environ.pop("GEOSWAP_PIPELINES_DIR", None)


def test_every_spec_becomes_a_dag_and_an_operations_dag_without_import_errors():
    bag = dagbag()
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"geoswap__zone_stats", "geoswap__land_use_area", "geoswap__road_length",
                                "geoswap__zone_stats__ops", "geoswap__land_use_area__ops", "geoswap__road_length__ops"}


def test_structure_retries_and_params_are_as_specified():
    dag = dagbag().get_dag(DAG_ID)
    assert [t.task_id for t in dag.topological_sort()] == ["extract_transform", "validate", "promote", "gc"]
    assert dag.get_task("validate").upstream_task_ids == {"extract_transform"}
    assert dag.get_task("promote").upstream_task_ids == {"validate"}
    # gc after a publish or a skipped promote, never after a failure (which stays the run's state)
    assert dag.get_task("gc").upstream_task_ids == {"promote"}
    assert dag.get_task("gc").trigger_rule == "none_failed"
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert "geoswap" in dag.tags and "zone_stats" in dag.tags
    assert "vw_zone_stats" in dag.doc_md
    assert dag.schedule == "0 3 * * *"  # the spec's schedule
    assert dagbag().get_dag("geoswap__land_use_area").schedule is None  # no schedule: manual only
    for task in dag.tasks:
        assert task.retries == 3
        assert task.retry_exponential_backoff
    params = dag.params.dump()
    assert params == {"force": False, "dry_run": False}
    assert dag.params.get_param("force").schema["type"] == "boolean"


def test_promote_publishes_the_view_as_an_asset_and_the_sources_are_inlets():
    dag = dagbag().get_dag(DAG_ID)
    [asset] = dag.get_task("promote").outlets
    assert asset.uri == asset.name == "x-geoswap://public/vw_zone_stats"
    assert {a.uri for a in dag.get_task("extract_transform").inlets} == {"x-geoswap://public/zones",
                                                                         "x-geoswap://public/events"}
    for task in ("extract_transform", "validate", "gc"):
        assert dag.get_task(task).outlets == [], "only a publish announces the view"


def test_an_assets_schedule_runs_the_dag_on_its_sources_assets(tmp_path):
    (tmp_path / "on_stats.yaml").write_text(
        "name: on_stats\nschedule: '@assets'\ntarget: {schema: public, view: vw_on_stats, key: [zone_id]}\n"
        "sources:\n  stats: {table: public.vw_zone_stats}\n  zones: {table: zones}\ntransform: on_stats.sql\n")
    bag = dagbag(tmp_path)
    assert bag.import_errors == {}
    dag = bag.get_dag("geoswap__on_stats")
    assert "broken" not in dag.tags
    condition = dag.timetable.asset_condition
    assert type(condition).__name__ == "AssetAny", "any one source's event runs it, not only all of them"
    assert {a.uri for a in condition.objects} == {"x-geoswap://public/vw_zone_stats", "x-geoswap://public/zones"}


def test_the_operations_dag_offers_status_rollback_and_gc():
    ops = dagbag().get_dag(DAG_ID + "__ops")
    assert ops.schedule is None and ops.max_active_runs == 1
    assert ops.get_task("choose").downstream_task_ids == {"status", "rollback", "gc"}
    assert ops.params.dump() == {"action": "status", "to": None}
    assert ops.params.get_param("action").schema["enum"] == ["status", "rollback", "gc"]
    assert [a.uri for a in ops.get_task("rollback").outlets] == ["x-geoswap://public/vw_zone_stats"]
    assert ops.get_task("status").outlets == [] and ops.get_task("gc").outlets == []


def test_importing_the_dag_file_does_no_network_or_database_io(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network I/O at import time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    import geoswap_dags

    importlib.reload(geoswap_dags)
    assert DAG_ID in vars(geoswap_dags)


def live_version() -> str:
    return psql("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'zone_stats'")


def run_dag(dag, logical_date: datetime | None, conf: dict | None = None):
    return dag.test(logical_date=logical_date, run_conf=conf or {})


def task_states(dag_run) -> dict:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def asset_events(run) -> list[dict]:
    """The asset events a run emitted: [{uri, task, extra}]."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(select(AssetModel.uri, AssetEvent.source_task_id, AssetEvent.extra)
                               .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                               .where(AssetEvent.source_dag_id == run.dag_id, AssetEvent.source_run_id == run.run_id)
                               .order_by(AssetEvent.id)).all()
    return [{"uri": uri, "task": task, "extra": extra} for uri, task, extra in rows]


ALL_DONE = {"extract_transform": "success", "validate": "success", "promote": "success", "gc": "success"}


def test_a_run_publishes_the_version_extract_transform_built_and_announces_it(zone_data):
    dag = dagbag().get_dag(DAG_ID)
    run = run_dag(dag, datetime(2026, 10, 1, 3, tzinfo=timezone.utc))
    assert task_states(run) == ALL_DONE
    assert live_version() == "20261001t030000"
    assert psql("SELECT count(*) FROM public.vw_zone_stats") == "100"
    [event] = asset_events(run)
    assert event["uri"] == "x-geoswap://public/vw_zone_stats" and event["task"] == "promote"
    assert event["extra"] == {"action": "promote", "version": "20261001t030000", "rows": 100,
                              "logical_date": "2026-10-01T03:00:00+00:00", "previous": event["extra"]["previous"],
                              "run_after": event["extra"]["run_after"]}


def test_an_older_backfill_is_skipped_at_promote_unless_forced(zone_data):
    dag = dagbag().get_dag(DAG_ID)
    run_dag(dag, datetime(2026, 10, 2, 3, tzinfo=timezone.utc))
    assert live_version() == "20261002t030000"

    older = run_dag(dag, datetime(2026, 9, 20, 3, tzinfo=timezone.utc))
    assert task_states(older) == {"extract_transform": "success", "validate": "success", "promote": "skipped",
                                  "gc": "success"}  # gc still tidies up after a skipped promote
    assert live_version() == "20261002t030000"
    assert asset_events(older) == [], "a skipped promote announces nothing"

    forced = run_dag(dag, datetime(2026, 9, 21, 3, tzinfo=timezone.utc), {"force": True})
    assert task_states(forced)["promote"] == "success"
    assert live_version() == "20260921t030000"
    assert [e["extra"]["version"] for e in asset_events(forced)] == ["20260921t030000"]


def test_a_run_without_a_logical_date_takes_its_run_after_and_publishes(zone_data):
    """Airflow 3: a run triggered through the API with logical_date null, or by an asset, has only run_after.
    zone_stats's `where` and its sql check both use ${logical_date}: they get the run_after."""
    dag = dagbag().get_dag(DAG_ID)
    run_after = datetime(2026, 11, 15, 3, tzinfo=timezone.utc)
    run = dag.test(logical_date=None, run_after=run_after)
    assert run.logical_date is None
    assert task_states(run) == ALL_DONE, "a normal run: published whatever the live version's logical date"
    built = [t for t in run.get_task_instances() if t.task_id == "extract_transform"][0].xcom_pull(
        task_ids="extract_transform")
    assert built["date_source"] == "run_after" and built["logical_date"] is None
    assert built["run_after"] == "2026-11-15T03:00:00Z"
    version = built["version"]
    assert len(version) == 15 and version.startswith("r"), "versioned by its run id, not by a date"
    assert live_version() == version
    assert psql("SELECT (logical_date IS NULL) || ' ' || run_after FROM geoswap.versions"
                f" WHERE pipeline = 'zone_stats' AND version = '{version}'") == "true 2026-11-15 03:00:00+00"
    # The cutoff was the run_after, in the build and in validate's check alike.
    before = psql("SELECT count(*) FROM public.events WHERE ts < '2026-11-15T03:00:00Z'")
    assert psql(f"SELECT sum(events) FROM public.zone_stats_v{version}") == before
    [event] = asset_events(run)
    assert event["extra"]["logical_date"] is None
    assert event["extra"]["run_after"] == "2026-11-15T03:00:00+00:00"

    # A backfill is compared with the live version's run_after: an older one is not promoted.
    older = run_dag(dag, datetime(2026, 11, 14, 3, tzinfo=timezone.utc))
    assert task_states(older)["promote"] == "skipped"
    assert live_version() == version


def test_a_dry_run_builds_and_validates_and_announces_nothing(zone_data, tmp_path):
    before = live_version()
    assert before, "an earlier test published a version to compare with"
    os.environ["GEOSWAP_REPORT_LOCATION"] = str(tmp_path / "reports")  # [geoswap] report_location
    try:
        dag = dagbag().get_dag(DAG_ID)
    finally:
        os.environ.pop("GEOSWAP_REPORT_LOCATION", None)
    run = run_dag(dag, datetime(2026, 9, 22, 3, tzinfo=timezone.utc), {"dry_run": True})
    assert task_states(run) == {"extract_transform": "success", "validate": "success", "promote": "skipped",
                                "gc": "success"}
    assert live_version() == before
    assert asset_events(run) == []
    # validate wrote the change report against the live version, where report_location says
    validated = [t for t in run.get_task_instances() if t.task_id == "validate"][0].xcom_pull(task_ids="validate")
    assert validated["diff"]["against_version"] == before
    page = tmp_path / "reports" / "zone_stats" / f"zone_stats-{validated['version']}.html"
    assert validated["report"] == str(page)
    assert "keys added" in page.read_text()


def test_a_failing_check_fails_validate_once_and_promote_never_runs(zone_data, tmp_path):
    for f in ("zone_stats.yaml", "zone_stats.sql"):
        shutil.copy(ROOT / "pipelines" / f, tmp_path / f)
    spec = tmp_path / "zone_stats.yaml"
    spec.write_text(spec.read_text().replace("min_rows: 1", "min_rows: 1000000"))
    before = live_version()
    dag = dagbag(tmp_path).get_dag(DAG_ID)
    os.environ["GEOSWAP_PIPELINES_DIR"] = str(tmp_path)
    try:
        run = run_dag(dag, datetime(2026, 10, 5, 3, tzinfo=timezone.utc))
    finally:
        os.environ.pop("GEOSWAP_PIPELINES_DIR", None)
    states = task_states(run)
    assert states["validate"] == "failed"
    assert states["promote"] in ("upstream_failed", None)
    assert states["gc"] in ("upstream_failed", None), "the failure stays the run's state"
    assert asset_events(run) == []
    ti = [t for t in run.get_task_instances() if t.task_id == "validate"][0]
    assert ti.try_number == 1, "exit 3 is not retried"
    assert live_version() == before


def test_a_retry_after_a_failure_mid_load_rebuilds_the_same_version_without_duplicates(zone_data, monkeypatch):
    import geoswap_runner

    real_run = geoswap_runner.run
    attempts, failures = [], []

    def first_attempt_dies_mid_load(main_class, args):
        """The real runner; on extract_transform's first try the job's own test hook makes partition 0 fail
        right after its rows committed, i.e. in the middle of the load."""
        if main_class.endswith("LauncherMain"):
            attempts.append(list(args))
            if len(attempts) == 1:
                args = args + ["--spark-conf", "spark.geoswap.test.failAfterCommitPartition=0"]
                try:
                    return real_run(main_class, args)
                except Exception as e:
                    failures.append(str(e))
                    raise
        return real_run(main_class, args)

    monkeypatch.setattr(geoswap_runner, "run", first_attempt_dies_mid_load)
    dag = dagbag().get_dag(DAG_ID)
    dag.get_task("extract_transform").retry_delay = timedelta(seconds=1)  # the DAG's 1 min is for production
    run = run_dag(dag, datetime(2026, 10, 10, 3, tzinfo=timezone.utc), {"force": True})

    states = task_states(run)
    assert states == ALL_DONE
    et = [t for t in run.get_task_instances() if t.task_id == "extract_transform"][0]
    assert et.try_number == 2 and len(attempts) == 2
    assert len(failures) == 1 and "after its commit" in failures[0], failures
    assert attempts[0] == attempts[1], "the retry builds the same version with the same arguments"
    assert psql("SELECT status || ' ' || coalesce(error_code::text, '-') FROM geoswap.versions"
                " WHERE pipeline = 'zone_stats' AND version = '20261010t030000'") == "live -"
    assert live_version() == "20261010t030000"
    zones = psql("SELECT count(*) FROM public.zones")
    assert psql("SELECT count(*) || ' ' || count(DISTINCT zone_id) FROM public.zone_stats_v20261010t030000") \
        == f"{zones} {zones}"
