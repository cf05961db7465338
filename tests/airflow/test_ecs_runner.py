"""The `ecs` runner (MWAA): the DAG it wires, its rendered commands, and its exit-code mapping.

No ECS here: the operator's one call out (describe_tasks) is answered by a hand-written fake client."""
from __future__ import annotations

import json
import os

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

import geoswap_runner
from test_dags import DAG_ID, dagbag

ECS_ENV = {
    "GEOSWAP_RUNNER": "ecs", "GEOSWAP_ECS_CLUSTER": "geoswap", "GEOSWAP_ECS_TASK_DEFINITION": "geoswap-task:7",
    "GEOSWAP_ECS_CONTAINER": "geoswap", "GEOSWAP_ECS_SUBNETS": "subnet-a,subnet-b",
    "GEOSWAP_ECS_SECURITY_GROUPS": "sg-1", "GEOSWAP_ECS_LOG_GROUP": "/geoswap/tasks",
    "GEOSWAP_ECS_LOG_STREAM_PREFIX": "ecs/geoswap", "GEOSWAP_SPEC_PREFIX": "s3://artifacts/geoswap/pipelines/",
    "GEOSWAP_DB_SECRET_ID": "geoswap/db",
    "GEOSWAP_LAUNCHER_ARGS": "--application-id 00fabc --execution-role-arn arn:aws:iam::1:role/x",
}


@pytest.fixture
def ecs_dag(monkeypatch):
    for k, v in ECS_ENV.items():
        monkeypatch.setenv(k, v)
    bag = dagbag()
    assert bag.import_errors == {}
    return bag.get_dag(DAG_ID)


class FakeTi:
    def __init__(self, xcom: str):
        self.xcom = xcom

    def xcom_pull(self, task_ids: str):
        assert task_ids == "extract_transform"
        return self.xcom


def command(task, **context) -> list[str]:
    return task.render_template(task.overrides["containerOverrides"][0]["command"], context)


def test_the_ecs_runner_wires_the_task_image_with_reattach_and_awslogs(ecs_dag):
    assert [t.task_id for t in ecs_dag.topological_sort()] == ["extract_transform", "validate", "promote"]
    for task in ecs_dag.tasks:
        assert type(task).__name__ == "GeoswapEcsRunTaskOperator"
        assert task.reattach and task.do_xcom_push
        assert task.cluster == "geoswap" and task.task_definition == "geoswap-task:7"
        assert task.launch_type == "FARGATE"
        assert task.awslogs_group == "/geoswap/tasks" and task.awslogs_stream_prefix == "ecs/geoswap"
        assert task.network_configuration["awsvpcConfiguration"]["subnets"] == ["subnet-a", "subnet-b"]
        assert list(task.skip_on_exit_code) == [99]
        assert task.retries == 3


def test_the_ecs_commands_carry_the_run_and_the_version_from_xcom(ecs_dag):
    class Run:
        clear_number = 2

    from datetime import datetime, timezone

    et = command(ecs_dag.get_task("extract_transform"), run_id="manual__x", dag_run=Run(), dag=ecs_dag,
                 logical_date=datetime(2026, 11, 24, 3, tzinfo=timezone.utc))
    assert et[:4] == ["launcher", "run", "--target", "emr-serverless"]
    assert et[et.index("--spec") + 1] == "s3://artifacts/geoswap/pipelines/zone_stats.yaml"
    assert et[et.index("--clear-number") + 1] == "2"
    assert et[et.index("--logical-date") + 1] == "2026-11-24T03:00:00+00:00"
    assert et[et.index("--db-secret-id") + 1] == "geoswap/db" and "--application-id" in et
    no_date = command(ecs_dag.get_task("extract_transform"), run_id="manual__x", dag_run=Run(), dag=ecs_dag,
                      logical_date=None)
    assert no_date[no_date.index("--logical-date") + 1] == ""  # the launcher takes blank as none

    xcom = json.dumps({"status": "built", "version": "20261124t030000_2"})
    validate = command(ecs_dag.get_task("validate"), ti=FakeTi(xcom))
    assert validate[:2] == ["swap-task", "validate"]
    assert validate[validate.index("--version") + 1] == "20261124t030000_2"
    promote = command(ecs_dag.get_task("promote"), ti=FakeTi(xcom), params={"force": True, "dry_run": False})
    assert promote[:2] == ["swap-task", "promote"] and "--force=true" in promote
    promote = command(ecs_dag.get_task("promote"), ti=FakeTi(xcom), params={"force": False, "dry_run": False})
    assert "--force=false" in promote


def test_dry_run_skips_promote_without_starting_a_task(ecs_dag):
    promote = ecs_dag.get_task("promote")
    promote.__dict__["client"] = None  # any call to ECS would fail
    with pytest.raises(AirflowSkipException, match="dry_run"):
        promote.execute({"params": {"dry_run": True, "force": False}})


class FakeEcs:
    """describe_tasks of one stopped task whose container exited with `code`."""

    def __init__(self, code: int):
        self.code = code

    def describe_tasks(self, cluster, tasks):
        return {"failures": [], "tasks": [{"taskArn": tasks[0], "stoppedReason": "Essential container in task exited",
                                           "containers": [{"name": "geoswap", "lastStatus": "STOPPED",
                                                           "exitCode": self.code}]}]}


@pytest.mark.parametrize("code, expected", [
    (3, AirflowFailException),  # a failed check: fail at once, no retries
    (2, AirflowFailException),  # a bad spec or config
    (75, AirflowException),  # temporary: retried
    (1, AirflowException),
    (99, AirflowSkipException),  # superseded backfill at promote
])
def test_a_container_exit_code_maps_like_the_local_runner(code, expected):
    op = geoswap_runner.ecs_operator(task_id="promote", cluster="c", task_definition="t", overrides={})
    op.__dict__["client"] = FakeEcs(code)
    op.arn = "arn:aws:ecs:eu-west-1:1:task/c/abc"
    with pytest.raises(AirflowException) as raised:
        op._check_success_task()
    assert type(raised.value) is expected
    assert type(geoswap_runner.exit_code_error(code, "x")) is expected  # the local runner's mapping


def test_a_container_that_exited_0_succeeds():
    op = geoswap_runner.ecs_operator(task_id="validate", cluster="c", task_definition="t", overrides={})
    op.__dict__["client"] = FakeEcs(0)
    op.arn = "arn:aws:ecs:eu-west-1:1:task/c/abc"
    op._check_success_task()


def test_least_privilege_secrets_go_to_their_tasks(monkeypatch):
    """The job logs in as the builder, validate and promote as the publisher (docker/sql/roles.sql)."""
    for k, v in ECS_ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("GEOSWAP_BUILDER_DB_SECRET_ID", "geoswap/builder")
    monkeypatch.setenv("GEOSWAP_PUBLISHER_DB_SECRET_ID", "geoswap/publisher")
    bag = dagbag()
    assert bag.import_errors == {}
    dag = bag.get_dag(DAG_ID)

    class Run:
        clear_number = 0

    et = command(dag.get_task("extract_transform"), run_id="manual__x", dag_run=Run(), dag=dag, logical_date=None)
    assert et[et.index("--db-secret-id") + 1] == "geoswap/builder"
    xcom = json.dumps({"status": "built", "version": "v1"})
    for task in ("validate", "promote"):
        cmd = command(dag.get_task(task), ti=FakeTi(xcom), params={"force": False, "dry_run": False})
        assert cmd[cmd.index("--db-secret-id") + 1] == "geoswap/publisher"
