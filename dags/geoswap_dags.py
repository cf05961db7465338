"""geoswap: one Airflow DAG per pipeline spec — extract_transform → validate → promote.

This file only wires tasks. At import it lists pipelines/*.yaml (name and schedule only) and reads its
configuration from the environment; it does no network or database I/O and reads no Variables.

Configuration (environment of the scheduler, DAG processor and workers):
  GEOSWAP_RUNNER            local (default) | ecs
  GEOSWAP_PIPELINES_DIR     the specs (default: ../pipelines beside this file)
  local runner:  GEOSWAP_HOME (a geoswap checkout with built jars); database from PG* or GEOSWAP_DB_SECRET_ID
  either runner: GEOSWAP_BUILDER_DB_SECRET_ID / GEOSWAP_PUBLISHER_DB_SECRET_ID, the secrets of the
                 least-privilege roles (docker/sql/roles.sql) for extract_transform and for validate/promote
                 (each falls back to GEOSWAP_DB_SECRET_ID)
  ecs runner:    GEOSWAP_ECS_CLUSTER, GEOSWAP_ECS_TASK_DEFINITION, GEOSWAP_ECS_CONTAINER,
                 GEOSWAP_ECS_SUBNETS, GEOSWAP_ECS_SECURITY_GROUPS (comma-separated),
                 GEOSWAP_ECS_LOG_GROUP, GEOSWAP_ECS_LOG_STREAM_PREFIX, GEOSWAP_SPEC_PREFIX (s3://…/pipelines),
                 GEOSWAP_DB_SECRET_ID, GEOSWAP_LAUNCHER_ARGS (the emr-serverless options, space-separated)
"""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import yaml
from airflow.sdk import DAG, Param

import geoswap_runner

RUNNER = os.environ.get("GEOSWAP_RUNNER", "local")
PIPELINES = Path(os.environ.get("GEOSWAP_PIPELINES_DIR", Path(__file__).resolve().parent.parent / "pipelines"))
SECRET = os.environ.get("GEOSWAP_DB_SECRET_ID")
# Least privilege (README "Security model"): the job logs in as the builder, the swap-task as the publisher.
SECRETS = {
    "builder": os.environ.get("GEOSWAP_BUILDER_DB_SECRET_ID") or SECRET,
    "publisher": os.environ.get("GEOSWAP_PUBLISHER_DB_SECRET_ID") or SECRET,
}

DEFAULT_ARGS = {
    "owner": "geoswap",
    # Exponential backoff on every task; exit 2/3 fail at once (geoswap_runner), 75 is retried.
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
}

DOC = """
### geoswap: {name}

Refreshes `{view}` without downtime, replacing `REFRESH MATERIALIZED VIEW`:

1. **extract_transform** builds version `{name}_v<version>` with Spark + Sedona (the version id is the run's
   logical date, else a digest of its run id; a cleared run builds a fresh one);
2. **validate** runs the spec's checks on it (a failed check fails the run at once, no retries);
3. **promote** re-points `{view}` to it in one short transaction. A backfill older than the live version is
   skipped here unless triggered with `force`; `dry_run` builds and validates only.

Spec: `{spec}`. Exit codes: 0 ok, 2 usage, 3 data, 75 temporary (retried), 99 skipped.
"""


def _db_args(role: str = "publisher") -> list[str]:
    secret = SECRETS[role]
    return ["--db-secret-id", secret] if secret else []


def _extract_transform(spec: str, **context) -> dict:
    dag_run = context["dag_run"]
    args = ["run", "--target", "local", "--spec", spec, "--run-id", dag_run.run_id,
            "--clear-number", str(getattr(dag_run, "clear_number", 0) or 0)] + _db_args("builder")
    if context.get("logical_date") is not None:
        args += ["--logical-date", context["logical_date"].isoformat()]
    return geoswap_runner.run("io.geoswap.launcher.LauncherMain", args)


def _version(context) -> str:
    # Always the version extract_transform built in this run, never "latest".
    return context["ti"].xcom_pull(task_ids="extract_transform")["version"]


def _validate(spec: str, **context) -> dict:
    return geoswap_runner.run("io.geoswap.swap.SwapTaskMain",
                              ["validate", "--spec", spec, "--version", _version(context)] + _db_args())


def _promote(spec: str, **context) -> dict:
    from airflow.sdk.exceptions import AirflowSkipException

    if context["params"].get("dry_run"):
        raise AirflowSkipException("dry_run: built and validated, not promoted")
    args = ["promote", "--spec", spec, "--version", _version(context)] + _db_args()
    if context["params"].get("force"):
        args.append("--force")
    return geoswap_runner.run("io.geoswap.swap.SwapTaskMain", args)


def _local_tasks(spec: str):
    from airflow.providers.standard.operators.python import PythonOperator

    et = PythonOperator(task_id="extract_transform", python_callable=_extract_transform, op_kwargs={"spec": spec})
    va = PythonOperator(task_id="validate", python_callable=_validate, op_kwargs={"spec": spec})
    pr = PythonOperator(task_id="promote", python_callable=_promote, op_kwargs={"spec": spec})
    return et, va, pr


def _ecs_tasks(name: str):
    """MWAA: the jib images on ECS; awslogs makes the container's last log line the XCom; a retry reattaches."""
    spec = f"{os.environ.get('GEOSWAP_SPEC_PREFIX', '').rstrip('/')}/{name}.yaml"
    network = {"awsvpcConfiguration": {
        "subnets": [s for s in os.environ.get("GEOSWAP_ECS_SUBNETS", "").split(",") if s],
        "securityGroups": [s for s in os.environ.get("GEOSWAP_ECS_SECURITY_GROUPS", "").split(",") if s],
        "assignPublicIp": "DISABLED"}}
    version = "{{ (ti.xcom_pull(task_ids='extract_transform') | fromjson)['version'] }}"

    def ecs(task_id: str, command: list[str], dry_run_skips: bool = False):
        return geoswap_runner.ecs_operator(
            dry_run_skips=dry_run_skips,
            task_id=task_id, cluster=os.environ.get("GEOSWAP_ECS_CLUSTER"),
            task_definition=os.environ.get("GEOSWAP_ECS_TASK_DEFINITION"), launch_type="FARGATE",
            overrides={"containerOverrides": [{"name": os.environ.get("GEOSWAP_ECS_CONTAINER", "geoswap"),
                                               "command": command}]},
            network_configuration=network, awslogs_group=os.environ.get("GEOSWAP_ECS_LOG_GROUP"),
            awslogs_stream_prefix=os.environ.get("GEOSWAP_ECS_LOG_STREAM_PREFIX"), reattach=True,
            do_xcom_push=True)

    extra = os.environ.get("GEOSWAP_LAUNCHER_ARGS", "").split()
    et = ecs("extract_transform", ["launcher", "run", "--target", "emr-serverless", "--spec", spec,
                                   "--run-id", "{{ run_id }}", "--clear-number", "{{ dag_run.clear_number or 0 }}",
                                   "--logical-date", "{{ logical_date.isoformat() if logical_date else '' }}",
                                   "--dag-id", "{{ dag.dag_id }}", "--dag-run-id", "{{ run_id }}"]
             + _db_args("builder") + extra)
    va = ecs("validate", ["swap-task", "validate", "--spec", spec, "--version", version] + _db_args())
    pr = ecs("promote", ["swap-task", "promote", "--spec", spec, "--version", version,
                         "--force={{ params.force | lower }}"] + _db_args(), dry_run_skips=True)
    return et, va, pr


def _meta(spec_file: Path) -> tuple[str, str | None, str]:
    """Name, schedule and view: all the DAG needs of a spec (the Java tasks validate the rest)."""
    meta = yaml.safe_load(spec_file.read_text()) or {}
    target = meta.get("target") or {}
    return (meta.get("name", spec_file.stem), meta.get("schedule"),
            f"{target.get('schema', 'public')}.{target.get('view', '?')}")


for spec_file in sorted(PIPELINES.glob("*.yaml")):
    name, schedule, view = _meta(spec_file)
    with DAG(
        dag_id=f"geoswap__{name}",
        schedule=schedule,
        catchup=False,  # stated: backfills are created on purpose (UI/API/CLI), not by catch-up
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        params={
            "force": Param(False, type="boolean", description="Promote even if older than the live version."),
            "dry_run": Param(False, type="boolean", description="Build and validate; don't promote."),
        },
        tags=["geoswap", name],
        doc_md=DOC.format(name=name, view=view, spec=spec_file.name),
        user_defined_filters={"fromjson": json.loads},
    ) as dag:
        et, va, pr = _local_tasks(str(spec_file)) if RUNNER == "local" else _ecs_tasks(name)
        et >> va >> pr
    globals()[dag.dag_id] = dag
