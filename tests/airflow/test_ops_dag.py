"""The operations DAG (geoswap__<name>__ops) on a real Airflow 3 with the local runner and the local PostGIS: what
an MWAA user without a shell does from the UI's trigger form: rollback, status, gc."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conftest import psql
from test_dags import DAG_ID, asset_events, dagbag, live_version, run_dag, task_states

OPS = DAG_ID + "__ops"


def retained() -> list[str]:
    """Versions a rollback may go back to, newest publish first."""
    if psql("SELECT to_regclass('geoswap.versions') IS NULL") == "t":  # a fresh database: no build yet
        return []
    out = psql("SELECT version FROM geoswap.versions WHERE pipeline = 'zone_stats' AND status = 'retired'"
               " AND promoted_at IS NOT NULL ORDER BY promoted_at DESC")
    return out.split() if out else []


def view_reads() -> str:
    return psql("SELECT pg_get_viewdef('public.vw_zone_stats'::regclass)")


@pytest.fixture
def two_published(zone_data):
    """At least one retained version besides the live one (earlier tests may have left some)."""
    if not retained():
        dag = dagbag().get_dag(DAG_ID)
        for day in (20, 21):
            run_dag(dag, datetime(2026, 10, day, 3, tzinfo=timezone.utc), {"force": True})
    assert retained()


def ops(action: str, **conf):
    return run_dag(dagbag().get_dag(OPS), None, {"action": action, **conf})


def test_a_rollback_through_the_ops_dag_repoints_the_view_and_announces_it(two_published):
    live, target = live_version(), retained()[-1]  # the oldest retained: not the default
    run = ops("rollback", to=target)
    assert task_states(run) == {"choose": "success", "rollback": "success", "status": "skipped", "gc": "skipped"}
    assert live_version() == target
    assert f"zone_stats_v{target}" in view_reads()
    [event] = asset_events(run)
    assert event["uri"] == "x-geoswap://public/vw_zone_stats" and event["task"] == "rollback"
    assert event["extra"] == {"action": "rollback", "version": target, "previous": live}

    # Without `to`: the newest retained version, here the one live before.
    back = ops("rollback")
    assert task_states(back)["rollback"] == "success"
    assert live_version() == live
    assert f"zone_stats_v{live}" in view_reads()


def test_a_rollback_to_an_unknown_version_fails_at_once_and_changes_nothing(two_published):
    live = live_version()
    run = ops("rollback", to="nope")
    assert task_states(run)["rollback"] == "failed"
    [ti] = [t for t in run.get_task_instances() if t.task_id == "rollback"]
    assert ti.try_number == 1
    assert live_version() == live
    assert asset_events(run) == []


def test_status_and_gc_run_from_the_ops_dag_and_announce_nothing(two_published):
    live = live_version()
    status = ops("status")
    assert task_states(status) == {"choose": "success", "status": "success", "rollback": "skipped", "gc": "skipped"}
    gc = ops("gc")
    assert task_states(gc) == {"choose": "success", "gc": "success", "rollback": "skipped", "status": "skipped"}
    assert live_version() == live
    assert asset_events(status) == asset_events(gc) == []
