"""The `ecs` runner (MWAA): the DAGs it wires, their rendered commands, the deferrable wait, reattach, the awslogs
XCom and the exit-code mapping — the provider's EcsRunTaskOperator and its TaskDoneTrigger running unchanged
against a hand-written fake of ECS and CloudWatch Logs (fake_ecs.py), served over HTTP so botocore and
aiobotocore speak their real protocol to it. No AWS here."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException, TaskDeferred

import geoswap_runner
from conftest import ROOT
from fake_ecs import FakeEcs, Outcome, aws_env, result
from test_dags import DAG_ID, asset_events, dagbag, task_states

ECS_ENV = {
    "GEOSWAP_RUNNER": "ecs", "GEOSWAP_ECS_CLUSTER": "geoswap", "GEOSWAP_ECS_TASK_DEFINITION": "geoswap-task:7",
    "GEOSWAP_ECS_CONTAINER": "geoswap", "GEOSWAP_ECS_SUBNETS": "subnet-a,subnet-b",
    "GEOSWAP_ECS_SECURITY_GROUPS": "sg-1", "GEOSWAP_ECS_LOG_GROUP": "/geoswap/tasks",
    "GEOSWAP_SPEC_PREFIX": "s3://artifacts/geoswap/pipelines/",
    "GEOSWAP_DB_SECRET_ID": "geoswap/db",
    "GEOSWAP_LAUNCHER_ARGS": "--application-id 00fabc --execution-role-arn arn:aws:iam::1:role/x",
}


def ecs_env(monkeypatch, **more: str) -> None:
    for k, v in {**ECS_ENV, **more}.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def ecs_bag(monkeypatch):
    ecs_env(monkeypatch)
    bag = dagbag()
    assert bag.import_errors == {}
    return bag


@pytest.fixture
def ecs_dag(ecs_bag):
    return ecs_bag.get_dag(DAG_ID)


class FakeTi:
    """What the operator asks of its task instance outside a task runner: its key, and XComs."""

    def __init__(self, xcom: str | None = None, task_id: str = "validate", run_id: str = "manual__x"):
        self.xcom, self.dag_id, self.task_id, self.run_id, self.map_index = xcom, DAG_ID, task_id, run_id, -1
        self.pushed = {}

    def xcom_pull(self, task_ids: str):
        assert task_ids == "extract_transform"
        return self.xcom

    def xcom_push(self, key: str, value):
        self.pushed[key] = value


def command(task, **context) -> list[str]:
    """The container command as Airflow renders it, without the arguments that rendered to ""."""
    return geoswap_runner.present(task.render_template(task.overrides["containerOverrides"][0]["command"], context))


class Run:
    clear_number = 2


class RunAfter(Run):
    run_after = datetime(2026, 12, 2, 1, tzinfo=timezone.utc)


# --- wiring -----------------------------------------------------------------------------------------------------

def test_the_ecs_runner_wires_every_task_deferrable_with_reattach_and_awslogs(ecs_bag):
    dag, ops = ecs_bag.get_dag(DAG_ID), ecs_bag.get_dag(DAG_ID + "__ops")
    assert [t.task_id for t in dag.topological_sort()] == ["extract_transform", "validate", "promote", "gc"]
    for task in dag.tasks + [ops.get_task(t) for t in ("status", "rollback", "gc")]:
        assert type(task).__name__ == "GeoswapEcsRunTaskOperator"
        assert task.deferrable, "the triggerer waits, not a worker slot"
        assert task.waiter_delay == 30
        assert task.reattach and task.do_xcom_push
        assert task.cluster == "geoswap" and task.task_definition == "geoswap-task:7"
        assert task.launch_type == "FARGATE"
        # ecs/geoswap/<task id>: the stream docker/ecs/task-definition.json's awslogs driver writes
        assert task.awslogs_group == "/geoswap/tasks" and task.awslogs_stream_prefix == "ecs/geoswap"
        assert task.container_name == "geoswap"
        assert task.network_configuration["awsvpcConfiguration"]["subnets"] == ["subnet-a", "subnet-b"]
        assert list(task.skip_on_exit_code) == [99]
    assert dag.get_task("gc").trigger_rule == "none_failed"
    assert [a.uri for a in dag.get_task("promote").outlets] == ["x-geoswap://public/vw_zone_stats"]
    assert type(ops.get_task("choose")).__name__ == "BranchPythonOperator"  # on the worker, no container


def test_the_ecs_commands_carry_the_run_and_the_version_from_xcom(ecs_dag):
    et = command(ecs_dag.get_task("extract_transform"), run_id="manual__x", dag_run=Run(), dag=ecs_dag,
                 logical_date=datetime(2026, 11, 24, 3, tzinfo=timezone.utc))
    assert et[:4] == ["launcher", "run", "--spec", "s3://artifacts/geoswap/pipelines/zone_stats.yaml"]
    assert et[4:6] == ["--target", "emr-serverless"]
    assert "--run-id=manual__x" in et and "--clear-number=2" in et
    assert "--logical-date=2026-11-24T03:00:00+00:00" in et
    assert "--dag-id=geoswap__zone_stats" in et and "--dag-run-id=manual__x" in et
    assert "--db-secret-id=geoswap/db" in et and "--application-id" in et
    no_date = command(ecs_dag.get_task("extract_transform"), run_id="manual__x", dag_run=Run(), dag=ecs_dag,
                      logical_date=None)
    assert not [a for a in no_date if a.startswith("--logical-date")], "no logical date: the option is left out"
    dated = command(ecs_dag.get_task("extract_transform"), run_id="manual__x", dag_run=RunAfter(), dag=ecs_dag,
                    logical_date=None, data_interval_start=datetime(2026, 11, 23, 3, tzinfo=timezone.utc),
                    data_interval_end=datetime(2026, 11, 24, 3, tzinfo=timezone.utc))
    assert "--run-after=2026-12-02T01:00:00+00:00" in dated
    assert "--data-interval-start=2026-11-23T03:00:00+00:00" in dated
    assert "--data-interval-end=2026-11-24T03:00:00+00:00" in dated

    xcom = json.dumps({"status": "built", "version": "20261124t030000_2"})
    validate = command(ecs_dag.get_task("validate"), ti=FakeTi(xcom))
    assert validate[:2] == ["swap-task", "validate"] and "--version=20261124t030000_2" in validate
    promote = command(ecs_dag.get_task("promote"), ti=FakeTi(xcom), params={"force": True, "dry_run": False})
    assert promote[:2] == ["swap-task", "promote"] and "--force=true" in promote
    promote = command(ecs_dag.get_task("promote"), ti=FakeTi(xcom), params={"force": False, "dry_run": False})
    assert "--force=false" in promote
    assert command(ecs_dag.get_task("gc"))[:4] == ["swap-task", "gc", "--spec",
                                                    "s3://artifacts/geoswap/pipelines/zone_stats.yaml"]


def test_the_ops_commands_pass_to_only_when_given(ecs_bag):
    rollback = ecs_bag.get_dag(DAG_ID + "__ops").get_task("rollback")
    assert "--to=20261001t030000" in command(rollback, params={"action": "rollback", "to": "20261001t030000"})
    assert not [a for a in command(rollback, params={"action": "rollback", "to": None}) if a.startswith("--to")]


def test_least_privilege_secrets_go_to_their_tasks(monkeypatch):
    """The job logs in as the builder, validate and promote as the publisher (docker/sql/roles.sql)."""
    ecs_env(monkeypatch, GEOSWAP_BUILDER_DB_SECRET_ID="geoswap/builder", GEOSWAP_PUBLISHER_DB_SECRET_ID="geoswap/publisher")
    dag = dagbag().get_dag(DAG_ID)
    et = command(dag.get_task("extract_transform"), run_id="manual__x", dag_run=Run(), dag=dag, logical_date=None)
    assert "--db-secret-id=geoswap/builder" in et
    xcom = json.dumps({"status": "built", "version": "v1"})
    for task in ("validate", "promote", "gc"):
        cmd = command(dag.get_task(task), ti=FakeTi(xcom), params={"force": False, "dry_run": False})
        assert "--db-secret-id=geoswap/publisher" in cmd


def test_dry_run_skips_promote_without_starting_a_task(ecs_dag):
    fake = FakeEcs()
    promote = ecs_dag.get_task("promote")
    promote.__dict__["client"] = fake
    with pytest.raises(AirflowSkipException, match="dry_run"):
        promote.execute({"params": {"dry_run": True, "force": False}, "ti": FakeTi()})
    assert fake.calls == []


# --- settings: Airflow's [geoswap] section (MWAA's configuration options) ------------------------------------

def test_the_geoswap_config_section_configures_the_runner_as_mwaa_sets_it(monkeypatch):
    """MWAA turns the configuration option geoswap.ecs_cluster into AIRFLOW__GEOSWAP__ECS_CLUSTER."""
    for key, value in ECS_ENV.items():
        monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("AIRFLOW__GEOSWAP__" + key.removeprefix("GEOSWAP_"), value)
    monkeypatch.setenv("AIRFLOW__GEOSWAP__ECS_POLL_INTERVAL", "2m")
    monkeypatch.setenv("GEOSWAP_ECS_CLUSTER", "not-this-one")  # [geoswap] wins over GEOSWAP_*
    bag = dagbag()
    assert bag.import_errors == {}
    task = bag.get_dag(DAG_ID).get_task("validate")
    assert type(task).__name__ == "GeoswapEcsRunTaskOperator"
    assert task.cluster == "geoswap" and task.waiter_delay == 120


def test_incomplete_ecs_settings_are_one_import_error_naming_every_missing_key(monkeypatch):
    monkeypatch.setenv("AIRFLOW__GEOSWAP__RUNNER", "ecs")
    monkeypatch.setenv("AIRFLOW__GEOSWAP__ECS_DEFERRABLE", "perhaps")
    bag = dagbag()
    [error] = bag.import_errors.values()
    assert "[geoswap] ecs_deferrable: 'perhaps' is not true or false" in error
    monkeypatch.delenv("AIRFLOW__GEOSWAP__ECS_DEFERRABLE")
    [error] = dagbag().import_errors.values()
    for key in ("ecs_cluster", "ecs_task_definition", "ecs_subnets", "ecs_log_group", "spec_prefix"):
        assert f"[geoswap] {key} (or GEOSWAP_{key.upper()}) is required with runner = ecs" in error


def test_a_geoswap_section_in_airflow_cfg_configures_a_self_hosted_airflow(tmp_path):
    (tmp_path / "airflow.cfg").write_text("[geoswap]\nrunner = ecs\necs_cluster = from-cfg\necs_task_definition = t\n"
                                          "ecs_subnets = s1\necs_log_group = /g\nspec_prefix = s3://b/p\n"
                                          "ecs_deferrable = false\n")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("GEOSWAP_", "AIRFLOW__GEOSWAP__"))}
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import geoswap_dags as d; "
             "t = d.geoswap__zone_stats.get_task('promote'); print(t.cluster, t.deferrable)")
    out = subprocess.run([sys.executable, "-c", probe, str(ROOT / "dags")], capture_output=True, text=True,
                         env=dict(env, AIRFLOW_HOME=str(tmp_path)), check=True)
    assert out.stdout.split()[-2:] == ["from-cfg", "False"]


# --- the operator and its trigger against the fake --------------------------------------------------------------

@pytest.fixture
def aws(monkeypatch):
    """The fake, served; botocore (the operator) and aiobotocore (the trigger) pointed at it."""
    fake = FakeEcs()
    with fake.serve() as url:
        aws_env(monkeypatch, url)
        yield fake


def settings(**kw) -> geoswap_runner.Settings:
    base = dict(runner="ecs", ecs_cluster="geoswap", ecs_task_definition="geoswap:1", ecs_subnets=("s",),
                ecs_log_group="/geoswap/tasks", spec_prefix="s3://b/p", aws_conn_id=None,
                ecs_poll_interval=timedelta(seconds=1))
    return geoswap_runner.Settings(**{**base, **kw})


def operator(args: list[str], deferrable: bool = True, task_id: str = "validate", **kw):
    return geoswap_runner.EcsRunner(settings(ecs_deferrable=deferrable)).task(
        task_id, geoswap_runner.SWAP_TASK, args, **kw)


def first_event(trigger):
    async def wait():
        async for event in trigger.run():
            return event
    return asyncio.run(wait()).payload


def run_deferred(op, context):
    """What Airflow does with a deferrable task: execute until it defers, the trigger in the triggerer, then
    execute_complete in a worker again."""
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    assert type(deferred.value.trigger).__name__ == "TaskDoneTrigger"  # the provider's: importable by any triggerer
    assert deferred.value.method_name == "execute_complete"
    return getattr(op, deferred.value.method_name)(context, first_event(deferred.value.trigger))


def context(task_id: str = "validate") -> dict:
    return {"params": {"dry_run": False, "force": False}, "ti": FakeTi(task_id=task_id)}


MAPPING = [
    (3, AirflowFailException, "exit 3 (not retried): swap-task validate: check min_rows failed"),
    (2, AirflowFailException, "exit 2 (not retried): swap-task validate: check min_rows failed"),
    (75, AirflowException, "exit 75: swap-task validate: check min_rows failed"),  # temporary: retried
    (1, AirflowException, "exit 1: swap-task validate: check min_rows failed"),
    (99, AirflowSkipException, "swap-task validate: check min_rows failed"),  # superseded backfill
]


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "in-worker"])
@pytest.mark.parametrize("code, expected, message", MAPPING)
def test_a_container_exit_code_maps_like_the_local_runner(aws, deferrable, code, expected, message):
    aws.script = lambda cmd: Outcome(code, ["12:00:00 ERROR failing", json.dumps(
        {"status": "failed", "exit_code": code, "error": "check min_rows failed"})], polls=1)
    op = operator(["validate", "--spec", "s3://b/p/zone_stats.yaml", "--version=v1"], deferrable=deferrable)
    with pytest.raises(AirflowException) as raised:
        run_deferred(op, context()) if deferrable else op.execute(context())
    assert type(raised.value) is expected
    assert str(raised.value) == message  # the JSON line's error, as the local runner reports it
    assert type(geoswap_runner.exit_code_error(code, "x")) is expected  # the local runner's mapping


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "in-worker"])
def test_a_container_that_exited_0_succeeds_with_its_last_log_line_as_the_xcom(aws, deferrable):
    aws.script = lambda cmd: result(0, status="validated", version="v1")
    op = operator(["validate", "--spec", "s3://b/p/zone_stats.yaml", "--version=v1", ""], deferrable=deferrable)
    ctx = context()
    line = run_deferred(op, ctx) if deferrable else op.execute(ctx)
    assert json.loads(line) == {"status": "validated", "version": "v1"}
    [task] = aws.started()
    assert task.command == ["swap-task", "validate", "--spec", "s3://b/p/zone_stats.yaml", "--version=v1"]
    assert ctx["ti"].pushed["ecs_task_arn"] == task.arn
    assert task.started_by, "started with the task instance's startedBy, which reattach looks for"


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "in-worker"])
def test_a_result_line_cloudwatch_shows_late_is_still_the_xcom(aws, deferrable):
    aws.script = lambda cmd: Outcome(0, ["12:00:00 INFO done", '{"status":"built","version":"v9"}'], polls=1, lag=2)
    op = operator(["validate", "--spec", "s3://b/p/zone_stats.yaml"], deferrable=deferrable)
    line = run_deferred(op, context()) if deferrable else op.execute(context())
    assert json.loads(line) == {"status": "built", "version": "v9"}


def test_a_retry_reattaches_to_the_task_its_first_try_started(aws):
    aws.script = lambda cmd: result(0, status="built", version="v1", rows=7)
    first = operator(["validate", "--spec", "s3://b/p/zone_stats.yaml"])
    with pytest.raises(TaskDeferred) as deferred:
        first.execute(context())  # ... and the worker, or the triggerer's wait, dies here
    [task] = aws.started()

    retry = operator(["validate", "--spec", "s3://b/p/zone_stats.yaml"])
    line = run_deferred(retry, context())
    assert aws.started() == [task], "no second task: the retry attached to the running one"
    assert deferred.value.trigger.task_arn == task.arn
    assert json.loads(line)["rows"] == 7
    assert aws.calls.count("ecs:RunTask") == 1 and "ecs:ListTasks" in aws.calls


def test_a_task_that_fails_to_start_is_retried_as_the_provider_says(aws):
    aws.script = lambda cmd: result(0)
    op = operator(["status", "--spec", "s3://b/p/x.yaml"])
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context())
    [task] = aws.started()
    task.stop_reason = "CannotPullContainerError"  # stopped from outside before the container exited
    event = first_event(deferred.value.trigger)
    with pytest.raises(AirflowException) as raised:
        op.execute_complete(context(), event)
    assert type(raised.value) is AirflowException  # 75: retried


# --- the whole ECS DAG on real Airflow (dag.test runs the trigger in line) -----------------------------------

def ecs_pipeline_dag():
    dag = dagbag().get_dag(DAG_ID)
    for task in dag.tasks:
        task.retries = 0  # these runs succeed or skip; a failure should fail the test now, not after retries
    return dag


def pipeline_script(promote_code: int = 0):
    def script(cmd: list[str]) -> Outcome:
        if cmd[:2] == ["launcher", "run"]:
            return result(0, status="built", pipeline="zone_stats", version="20261124t030000", rows=100)
        if cmd[:2] == ["swap-task", "promote"]:
            if promote_code == 99:
                return result(99, status="skipped", exit_code=99, message="superseded by the live version")
            return result(0, status="promoted", version="20261124t030000", previous="20261123t030000")
        return result(0, status="ok", version="20261124t030000")
    return script


def test_the_ecs_dag_publishes_and_announces_through_deferred_waits(aws, monkeypatch):
    ecs_env(monkeypatch, AIRFLOW__GEOSWAP__ECS_POLL_INTERVAL="1s")
    aws.script = pipeline_script()
    run = ecs_pipeline_dag().test(logical_date=datetime(2026, 11, 24, 3, tzinfo=timezone.utc))
    assert task_states(run) == {"extract_transform": "success", "validate": "success", "promote": "success",
                                "gc": "success"}
    commands = [t.command[:2] for t in aws.started()]
    assert commands == [["launcher", "run"], ["swap-task", "validate"], ["swap-task", "promote"], ["swap-task", "gc"]]
    assert "--version=20261124t030000" in aws.started(["swap-task", "promote"])[0].command
    [event] = asset_events(run)
    assert event["uri"] == "x-geoswap://public/vw_zone_stats"
    assert event["extra"] == {"action": "promote", "version": "20261124t030000", "rows": 100,
                              "logical_date": "2026-11-24T03:00:00+00:00", "previous": "20261123t030000",
                              "run_after": event["extra"]["run_after"]}


def test_a_run_without_a_logical_date_passes_its_run_after_on_ecs(aws, monkeypatch):
    ecs_env(monkeypatch, AIRFLOW__GEOSWAP__ECS_POLL_INTERVAL="1s")
    aws.script = pipeline_script()
    run = ecs_pipeline_dag().test(logical_date=None, run_after=datetime(2026, 12, 2, 1, tzinfo=timezone.utc))
    assert task_states(run) == {"extract_transform": "success", "validate": "success", "promote": "success",
                                "gc": "success"}
    for started in (aws.started(["launcher", "run"])[0], aws.started(["swap-task", "validate"])[0]):
        assert "--run-after=2026-12-02T01:00:00+00:00" in started.command
        assert not [a for a in started.command if a.startswith(("--logical-date", "--data-interval"))], \
            "no logical date, no data interval: those options are left out"
    [event] = asset_events(run)
    assert event["extra"]["logical_date"] is None
    assert event["extra"]["run_after"] == "2026-12-02T01:00:00+00:00"


def test_a_superseded_promote_on_ecs_is_skipped_and_announces_nothing(aws, monkeypatch):
    ecs_env(monkeypatch, AIRFLOW__GEOSWAP__ECS_POLL_INTERVAL="1s")
    aws.script = pipeline_script(promote_code=99)
    run = ecs_pipeline_dag().test(logical_date=datetime(2026, 11, 20, 3, tzinfo=timezone.utc))
    assert task_states(run) == {"extract_transform": "success", "validate": "success", "promote": "skipped",
                                "gc": "success"}
    assert asset_events(run) == []
