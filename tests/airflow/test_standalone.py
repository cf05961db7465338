"""A real scheduler, DAG processor and API server (`airflow standalone`): a run triggered through the REST
API the UI's Trigger button uses, with conf, and a backfill created through the API; a downstream DAG
scheduled on the view's asset runs after a publish, and not after a skipped promote. Runs without a logical
date (Airflow 3): one triggered through the API with `logical_date: null`, and an asset-triggered run of a
pipeline on zone_stats's view (`schedule: "@assets"`), both publish."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from conftest import ROOT, psql

DAG_ID = "geoswap__zone_stats"
ASSET_DAG = "geoswap__zone_activity"
CONSUMER = "tiles_after_zone_stats"
ASSET = "x-geoswap://public/vw_zone_stats"

# A downstream DAG as a user writes it: scheduled on the view's asset (README "Assets"), reading the extra.
CONSUMER_DAG = f'''
from airflow.sdk import DAG, Asset, task

with DAG(dag_id="{CONSUMER}", schedule=[Asset("{ASSET}")], catchup=False, tags=["test"]):
    @task
    def build_tiles(triggering_asset_events=None):
        for event in triggering_asset_events[Asset("{ASSET}")]:
            print("tiles for version", event.extra["version"], "rows", event.extra["rows"])

    build_tiles()
'''


# A pipeline on zone_stats's view, scheduled on its sources' assets: each zone_stats publish triggers a run,
# which has no logical date. Its transform and check use ${logical_date}: both get the run's run_after.
ASSET_SPEC = """
name: zone_activity
schedule: "@assets"
target: {schema: public, view: vw_zone_activity, key: [zone_id]}
sources:
  stats: {table: public.vw_zone_stats}
transform: zone_activity.sql
checks:
  min_rows: 1
  sql:
    - "SELECT bool_and(as_of = '${logical_date}') FROM ${table}"
"""
ASSET_SQL = "SELECT zone_id, events, '${logical_date}' AS as_of FROM stats\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base: str):
        self.base = base
        self.token = None

    def call(self, method: str, path: str, body: dict | None = None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")


def wait_for(what: str, check, timeout: float, every: float = 2.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (urllib.error.URLError, ConnectionError, KeyError) as e:
            last = e
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}: {last}")


@pytest.fixture(scope="module")
def airflow(zone_data):
    home = Path(tempfile.mkdtemp(prefix="airflow-standalone-"))
    # geoswap's DAG files (linked: they find pipelines/ through the link) and a consumer of the view's asset
    dags = home / "dags"
    dags.mkdir()
    for f in ("geoswap_dags.py", "geoswap_runner.py"):
        (dags / f).symlink_to(ROOT / "dags" / f)
    (dags / "tiles.py").write_text(CONSUMER_DAG)
    # The project's specs and one more, zone_activity, in a folder of their own (GEOSWAP_PIPELINES_DIR).
    pipelines = home / "pipelines"
    shutil.copytree(ROOT / "pipelines", pipelines)
    (pipelines / "zone_activity.yaml").write_text(ASSET_SPEC)
    (pipelines / "zone_activity.sql").write_text(ASSET_SQL)
    port = free_port()
    env = dict(os.environ, AIRFLOW_HOME=str(home), AIRFLOW__API__PORT=str(port), AIRFLOW__API__HOST="127.0.0.1",
               AIRFLOW__CORE__DAGS_FOLDER=str(dags),
               AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True", AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
               AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5", AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL="5",
               # Task supervisors report to the API server's execution API: on our port, not 8080.
               AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
               GEOSWAP_PIPELINES_DIR=str(pipelines))
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    # standalone starts its parts as `airflow …` from PATH: this venv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    log = open(home / "standalone.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "airflow", "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    api = Api(f"http://127.0.0.1:{port}")
    try:
        def healthy():
            if proc.poll() is not None:
                raise AssertionError(f"airflow standalone exited {proc.returncode}; see {home / 'standalone.log'}")
            return api.call("GET", "/api/v2/monitor/health")

        wait_for("the API server", healthy, 240)
        try:
            api.call("GET", "/api/v2/dags")
        except urllib.error.HTTPError as e:
            if e.code != 401:
                raise
            api.token = api.call("POST", "/auth/token", {})["access_token"]
        wait_for("the DAG to be parsed", lambda: api.call("GET", f"/api/v2/dags/{DAG_ID}")["dag_id"], 180)
        wait_for("the consumer DAG to be parsed", lambda: api.call("GET", f"/api/v2/dags/{CONSUMER}")["dag_id"], 180)
        wait_for("the @assets DAG to be parsed", lambda: api.call("GET", f"/api/v2/dags/{ASSET_DAG}")["dag_id"], 180)
        yield api
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.copy(home / "standalone.log", ROOT / ".geoswap" / "airflow-standalone.log")


def screenshot(api: Api, path: str) -> None:
    """The DAG's grid view in headless Chromium (Debian's), for the README (GEOSWAP_SCREENSHOT=path)."""
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=1600,1000", "--virtual-time-budget=20000",
                    f"--screenshot={path}", f"{api.base}/dags/{DAG_ID}"], check=True, timeout=180, capture_output=True)


def run_state(api: Api, run_id: str, dag_id: str = DAG_ID) -> str:
    return api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}")["state"]


def asset_events(api: Api, run_id: str) -> list[dict]:
    """The asset events a run of the pipeline's DAG emitted."""
    return api.call("GET", f"/api/v2/assets/events?source_dag_id={DAG_ID}"
                           f"&source_run_id={urllib.request.quote(run_id, safe='')}")["asset_events"]


ALL_DONE = {"extract_transform": "success", "validate": "success", "promote": "success", "gc": "success"}


def test_a_run_triggered_through_the_rest_api_with_conf_publishes(airflow):
    run = airflow.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns",
                       {"logical_date": "2026-11-01T03:00:00Z", "conf": {"force": True}, "note": "from the test"})
    state = wait_for("the triggered run", lambda: run_state(airflow, run["dag_run_id"]) in ("success", "failed")
                     and run_state(airflow, run["dag_run_id"]), 900, 3)
    assert state == "success"
    assert run["conf"] == {"force": True}
    # Unpaused, the scheduler also starts the latest scheduled run; whichever ran last is live, but this
    # run's version was built from its logical date and published.
    assert psql("SELECT status IN ('live', 'retired') AND promoted_at IS NOT NULL FROM geoswap.versions"
                " WHERE pipeline = 'zone_stats' AND version = '20261101t030000'") == "t"
    tis = airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.request.quote(run['dag_run_id'], safe='')}/taskInstances")
    assert {t["task_id"]: t["state"] for t in tis["task_instances"]} == ALL_DONE


def test_a_publish_runs_the_dag_scheduled_on_the_views_asset(airflow):
    run_id = airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?logical_date_gte=2026-11-01T03:00:00Z"
                          "&logical_date_lte=2026-11-01T03:00:00Z")["dag_runs"][0]["dag_run_id"]
    [event] = asset_events(airflow, run_id)
    assert event["uri"] == ASSET and event["source_task_id"] == "promote"
    assert event["extra"]["version"] == "20261101t030000" and event["extra"]["rows"] == 100
    assert event["extra"]["logical_date"] == "2026-11-01T03:00:00+00:00"

    def consumer_run():
        created = [r for r in asset_events(airflow, run_id)[0]["created_dagruns"] if r["dag_id"] == CONSUMER]
        return created and run_state(airflow, created[0]["run_id"], CONSUMER) in ("success", "failed") \
            and run_state(airflow, created[0]["run_id"], CONSUMER)

    assert wait_for("the consumer's run", consumer_run, 300, 3) == "success"


def table_identity(version: str) -> str:
    """The table's OID, its rows and xmin of its first row: all change if the table is rebuilt in place."""
    table = f"public.zone_stats_v{version}"
    return psql(f"SELECT '{table}'::regclass::oid || ' ' || (SELECT count(*) FROM {table})"
                f" || ' ' || (SELECT min(xmin::text) FROM {table})")


def test_clearing_a_promoted_run_publishes_a_fresh_build_and_leaves_the_old_table_alone(airflow):
    run_id = airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?logical_date_gte=2026-11-01T03:00:00Z"
                          "&logical_date_lte=2026-11-01T03:00:00Z")["dag_runs"][0]["dag_run_id"]
    quoted = urllib.request.quote(run_id, safe="")
    assert run_state(airflow, run_id) == "success"
    # Retention may drop the old table after the new one is live (it keeps `retain` versions) but leaves a
    # table another view depends on: pin it, to compare it afterwards.
    psql("CREATE OR REPLACE VIEW public.it_pin AS SELECT * FROM public.zone_stats_v20261101t030000")
    before = table_identity("20261101t030000")

    # What the UI's "Clear" on a finished run sends.
    airflow.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns/{quoted}/clear", {"dry_run": False})
    wait_for("the cleared run", lambda: run_state(airflow, run_id) == "success"
             and {t["state"] for t in airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quoted}/taskInstances")
                  ["task_instances"]} == {"success"}, 900, 3)
    assert "20261101t030000_1" in [e["extra"]["version"] for e in asset_events(airflow, run_id)]

    run = airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quoted}")
    assert run["conf"] == {"force": True}
    # A fresh version (the clear number is part of it) was built and published …
    assert psql("SELECT status IN ('live', 'retired') AND promoted_at IS NOT NULL FROM geoswap.versions"
                " WHERE pipeline = 'zone_stats' AND version = '20261101t030000_1'") == "t"
    # … and the table the first run published was not rebuilt or refilled in place.
    assert table_identity("20261101t030000") == before
    psql("DROP VIEW public.it_pin")


def quiet(api: Api) -> None:
    """Waits until no DAG run is queued or running: the asset-triggered runs each publish starts (zone_activity,
    the tiles consumer) write to the SQLite metadata DB too, and Airflow answers a backfill whose transaction
    met SQLite's lock with 503."""
    wait_for("no DAG run in progress", lambda: api.call(
        "GET", "/api/v2/dags/~/dagRuns?state=queued&state=running&limit=1")["total_entries"] == 0, 600, 3)


def test_a_backfill_created_through_the_api_runs_and_older_versions_are_not_promoted(airflow):
    quiet(airflow)
    live = psql("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'zone_stats'")
    backfill = airflow.call("POST", "/api/v2/backfills", {
        "dag_id": DAG_ID, "from_date": "2026-08-01T00:00:00Z", "to_date": "2026-08-02T23:00:00Z",
        "max_active_runs": 1, "reprocess_behavior": "none", "run_backwards": False})

    def finished():
        b = airflow.call("GET", f"/api/v2/backfills/{backfill['id']}")
        return b.get("completed_at") is not None

    wait_for("the backfill", finished, 900, 5)
    runs = airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?run_type=backfill")["dag_runs"]
    assert len(runs) == 2
    for r in runs:
        tis = airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.request.quote(r['dag_run_id'], safe='')}/taskInstances")
        states = {t["task_id"]: t["state"] for t in tis["task_instances"]}
        assert states == {"extract_transform": "success", "validate": "success", "promote": "skipped",
                          "gc": "success"}, states
        # A skipped promote announces nothing, so nothing downstream runs for it.
        assert asset_events(airflow, r["dag_run_id"]) == []
    # The scheduler's own (newer) run may still finish and be promoted meanwhile; what must hold is that
    # the backfill's older versions were never promoted and the view never shows one of them.
    assert psql("SELECT count(*) FROM geoswap.versions WHERE pipeline = 'zone_stats' AND status = 'superseded'"
                " AND promoted_at IS NULL AND version LIKE '202608%'") == "2"
    assert not psql("SELECT live_version FROM geoswap.pipelines WHERE pipeline = 'zone_stats'").startswith("202608")
    assert live and not live.startswith("202608")
    shot = os.environ.get("GEOSWAP_SCREENSHOT")
    if shot and shutil.which("chromium"):
        screenshot(airflow, shot)


def instant(text: str) -> datetime:
    """A timestamp as the API or geoswap writes it (`…Z` or `…+00:00`), comparable."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def published_without_a_logical_date(api: Api, dag_id: str, run: dict) -> str:
    """Checks a finished run without a logical date published what it built with its run_after; its version."""
    quoted = urllib.request.quote(run["dag_run_id"], safe="")
    tis = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}/taskInstances")
    assert {t["task_id"]: t["state"] for t in tis["task_instances"]} == ALL_DONE
    pipeline = dag_id.removeprefix("geoswap__")
    row = psql(f"SELECT version || ' ' || (logical_date IS NULL) || ' ' || (promoted_at IS NOT NULL) || ' '"
               f" || (run_after = '{run['run_after']}'::timestamptz)"
               f" FROM geoswap.versions WHERE pipeline = '{pipeline}' AND run_id = '{run['dag_run_id']}'")
    version, *facts = row.split(" ")
    assert version.startswith("r") and len(version) == 15, "versioned by its run id"
    assert facts == ["true", "true", "true"], f"no logical date, promoted, the run's run_after recorded: {row}"
    events = api.call("GET", f"/api/v2/assets/events?source_dag_id={dag_id}&source_run_id={quoted}")["asset_events"]
    [event] = events
    assert event["extra"]["version"] == version and event["extra"]["logical_date"] is None
    assert instant(event["extra"]["run_after"]) == instant(run["run_after"])
    return version


def test_a_run_triggered_through_the_rest_api_without_a_logical_date_publishes(airflow):
    run = airflow.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "note": "no logical date"})
    assert run["logical_date"] is None and run["run_after"]
    state = wait_for("the run without a logical date", lambda: run_state(airflow, run["dag_run_id"]) in ("success", "failed")
                     and run_state(airflow, run["dag_run_id"]), 900, 3)
    assert state == "success"
    version = published_without_a_logical_date(airflow, DAG_ID, run)
    # zone_stats's where and check cut events at ${logical_date}, which was the run's run_after.
    cutoff = instant(run["run_after"]).isoformat()
    assert psql(f"SELECT sum(events) FROM public.zone_stats_v{version}") == \
        psql(f"SELECT count(*) FROM public.events WHERE ts < '{cutoff}'")


def test_an_asset_triggered_run_of_a_pipeline_on_another_pipelines_view_publishes(airflow):
    def finished():
        runs = airflow.call("GET", f"/api/v2/dags/{ASSET_DAG}/dagRuns?run_type=asset_triggered")["dag_runs"]
        done = [r for r in runs if r["state"] in ("success", "failed")]
        return done and done[0]

    run = wait_for("an asset-triggered run of zone_activity", finished, 900, 3)
    assert run["state"] == "success", run
    assert run["run_type"] == "asset_triggered" and run["logical_date"] is None
    version = published_without_a_logical_date(airflow, ASSET_DAG, run)
    [as_of] = psql(f"SELECT DISTINCT as_of FROM public.zone_activity_v{version}").splitlines()
    assert instant(as_of) == instant(run["run_after"]), "the transform's ${logical_date} was the run_after"
