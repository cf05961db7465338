"""Every AWS call geoswap makes, compared with the IAM templates in docker/iam/ — both ways: each call is allowed
by the template of the role that makes it, and each template allows nothing the code doesn't call.

- The Airflow side (the `ecs` runner, under MWAA's execution role): the calls are recorded by the fake
  (fake_ecs.py) while the provider's operator and trigger run every path: start, deferred wait, in-worker
  wait, reattach, a failure, a kill.
- The Java side (the launcher and swap-task in the ECS task; the job on EMR Serverless): every AWS SDK client
  in src/main and every operation called on it, read from the source, plus what a service does with the
  role on the code's behalf (IMPLIED), each row checked against the source so it can't go stale.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowException, TaskDeferred

from conftest import ROOT
from fake_ecs import FakeEcs, Outcome, aws_env, result
from test_ecs_runner import context, first_event, operator, run_deferred

IAM = ROOT / "docker" / "iam"
ECS_TASK, EMR_JOB, MWAA = "ecs-task-role-policy.json", "emr-job-role-policy.json", "mwaa-execution-role-policy.json"


def allowed(policy: str) -> set[str]:
    actions = set()
    for statement in json.loads((IAM / policy).read_text())["Statement"]:
        assert statement["Effect"] == "Allow"
        actions.update([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    return actions


# --- the Airflow side -------------------------------------------------------------------------------------------

# What AWS checks besides the call itself. ECS: "the user that runs a task needs iam:PassRole for the task
# role and the task execution role in its task definition" (ECS developer guide, "Task IAM role").
ECS_IMPLIED = {"ecs:RunTask": {"iam:PassRole"}}


def test_every_call_of_the_ecs_runner_is_in_the_mwaa_execution_role_and_nothing_more(monkeypatch):
    fake = FakeEcs(lambda cmd: result(0, status="ok", version="v1"))
    with fake.serve() as url:
        aws_env(monkeypatch, url)
        run_deferred(operator(["status", "--spec", "s3://b/p/x.yaml"]), context("status"))  # start, defer, result
        operator(["gc", "--spec", "s3://b/p/x.yaml"], deferrable=False, task_id="gc").execute(context("gc"))
        with pytest.raises(TaskDeferred):  # a first try that dies while its task runs …
            operator(["validate", "--spec", "s3://b/p/x.yaml"]).execute(context())
        run_deferred(operator(["validate", "--spec", "s3://b/p/x.yaml"]), context())  # … and its retry reattaches
        fake.script = lambda cmd: Outcome(3, ['{"status":"failed","exit_code":3,"error":"check failed"}'], polls=1)
        with pytest.raises(AirflowException):
            run_deferred(operator(["validate", "--spec", "s3://b/p/y.yaml"]), context())  # exit code + error line
        killed = operator(["promote", "--spec", "s3://b/p/x.yaml"], task_id="promote")
        with pytest.raises(TaskDeferred):
            killed.execute(context("promote"))
        killed.on_kill()  # mark failed in the UI while it runs in a worker
    calls = set(fake.calls)
    needed = calls | set().union(*(ECS_IMPLIED.get(c, set()) for c in calls))
    assert needed == allowed(MWAA)


def test_the_mwaa_template_names_what_the_task_definition_and_the_defaults_name():
    task = json.loads((ROOT / "docker/ecs/task-definition.json").read_text())
    [container] = task["containerDefinitions"]
    options = container["logConfiguration"]["options"]
    policy = json.loads((IAM / MWAA).read_text())
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    role = lambda arn: arn.rsplit("/", 1)[1]  # noqa: E731
    assert {role(r) for r in resources["HandTheTaskItsRoles"]} == {role(task["taskRoleArn"]),
                                                                   role(task["executionRoleArn"])}
    assert resources["StartTheTaskImageOnTheCluster"].endswith(f":task-definition/{task['family']}:*")
    # the stream the runner reads by default (ecs_log_stream_prefix: ecs/<ecs_container>)
    stream = f"{options['awslogs-stream-prefix']}/{container['name']}"
    assert resources["ReadTheTaskLogAndItsResultLine"].endswith(
        f":log-group:{options['awslogs-group']}:log-stream:{stream}/*")
    import geoswap_runner

    assert geoswap_runner.Settings().log_stream_prefix == stream


# --- the Java side ----------------------------------------------------------------------------------------------

SERVICES = {"emrserverless": "emr-serverless", "s3": "s3", "secretsmanager": "secretsmanager"}  # SDK package → IAM

# Which role runs the code of each class holding an SDK client (a class not listed here fails the test).
# The ECS task runs the image's two entry points: the launcher and the swap-task; the job runs on EMR.
CLIENT_ROLES = {
    "EmrServerlessJobRuns": {ECS_TASK},  # the launcher's EMR Serverless calls
    "S3Objects": {ECS_TASK},  # the swap-task reads its spec from S3 and writes its reports there
    "DbSecrets": {ECS_TASK, EMR_JOB},  # every task reads its database secret
}

# (class, what its source must still contain, role, actions, why). Checked against the source.
IMPLIED = [
    ("EmrServerlessJobRuns", ".tags(req.tags())", ECS_TASK, {"emr-serverless:TagResource"},
     "StartJobRun with tags is also authorized as TagResource on the job run (EMR Serverless, tagging)"),
    ("EmrServerlessJobRuns", ".executionRoleArn(executionRoleArn)", ECS_TASK, {"iam:PassRole"},
     "handing the job its execution role is iam:PassRole (condition iam:PassedToService)"),
    ("EmrServerlessJobRuns", "s.entryPoint(req.entryPoint())", EMR_JOB, {"s3:GetObject"},
     "EMR Serverless reads the job jar with the job's execution role"),
    ("EmrServerlessJobRuns", "s3MonitoringConfiguration", EMR_JOB, {"s3:PutObject"},
     "--log-uri: EMR writes the driver's and executors' logs there with the job's role"),
    ("HadoopSpecFiles", "FileSystem.get(uri, conf)", EMR_JOB, {"s3:GetObject", "s3:ListBucket"},
     "the job reads its spec and SQL through Hadoop's S3 file system, not an SDK client of ours; without "
     "ListBucket S3 answers a missing key with 403, and the job would report 'access denied' for a typo"),
]

# Calls the code can make that the templates leave out on purpose, each with the reason (README says so too).
OPTIONAL = {
    ("EmrServerlessJobRuns", "cloudWatchLoggingConfiguration"):
        "--cloudwatch-log-group only: add logs:CreateLogStream, logs:PutLogEvents and logs:DescribeLogStreams on "
        "your log group to the job's role (README, Run on EMR Serverless)",
}


def java_sources() -> dict[str, str]:
    """Every class in a src/main of the repository, by simple name (modules may move; class names stay)."""
    sources = {}
    for path in ROOT.glob("**/src/main/java/**/*.java"):
        if ".geoswap" not in path.parts and "target" not in path.parts:
            sources[path.stem] = path.read_text()
    return sources


def sdk_calls(source: str) -> set[str]:
    """`service:Operation` for each operation called on an AWS SDK v2 client declared in the source."""
    calls = set()
    for package, client in re.findall(r"import software\.amazon\.awssdk\.services\.(\w+)\.(\w+Client);", source):
        names = set(re.findall(rf"\b{client}\s+(\w+)\s*[=;)]", source))
        assert names, f"a {client} is imported but no variable of it found: teach this test the new shape"
        for name in names:
            for method in re.findall(rf"\b{name}\.(\w+)\(", source):
                if method in ("close", "serviceName"):
                    continue
                operation = re.sub(r"(Paginator|AsBytes|AsString)$", "", method)
                calls.add(f"{SERVICES[package]}:{operation[0].upper()}{operation[1:]}")
    return calls


def java_calls() -> dict[str, set[str]]:
    sources = java_sources()
    needed = {ECS_TASK: set(), EMR_JOB: set()}
    with_clients = {name for name, src in sources.items() if re.search(r"import software\.amazon\.awssdk\.services\.\w+\.\w+Client;", src)}
    assert with_clients == set(CLIENT_ROLES), "a class with an AWS SDK client: assign it a role in CLIENT_ROLES"
    for name, roles in CLIENT_ROLES.items():
        calls = sdk_calls(sources[name])
        assert calls, f"{name}: no SDK call found"
        for role in roles:
            needed[role] |= calls
    for name, marker, role, actions, why in IMPLIED:
        assert marker in sources[name], f"{name} no longer contains {marker!r}: revisit IMPLIED ({why})"
        needed[role] |= actions
    for name, marker in OPTIONAL:
        assert marker in sources[name], f"{name} no longer contains {marker!r}: revisit OPTIONAL"
    return needed


def test_the_java_sdk_calls_are_what_this_test_knows():
    """The scan itself: the launcher's EMR Serverless calls as the README lists them."""
    sources = java_sources()
    assert sdk_calls(sources["EmrServerlessJobRuns"]) == {
        "emr-serverless:GetApplication", "emr-serverless:StartApplication", "emr-serverless:ListJobRuns",
        "emr-serverless:StartJobRun", "emr-serverless:GetJobRun", "emr-serverless:CancelJobRun",
        "emr-serverless:GetDashboardForJobRun"}
    assert sdk_calls(sources["S3Objects"]) == {"s3:GetObject", "s3:PutObject"}  # specs in, change reports out
    assert sdk_calls(sources["DbSecrets"]) == {"secretsmanager:GetSecretValue"}


@pytest.mark.parametrize("policy", [ECS_TASK, EMR_JOB])
def test_every_call_of_the_java_tasks_is_in_their_role_and_nothing_more(policy):
    assert java_calls()[policy] == allowed(policy)


@pytest.mark.parametrize("policy", sorted(p.name for p in IAM.glob("*-policy.json")))
def test_every_statement_names_its_resources(policy):
    """Least privilege: no `*` action, no resource that is a whole service (`*`, `arn:aws:s3:::*`)."""
    for statement in json.loads((IAM / policy).read_text())["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        assert all("*" not in a for a in actions), statement
        assert all(not re.fullmatch(r"\*|arn:aws:[\w-]+:[\w-]*:[\w-]*:\*", r) for r in resources), statement
