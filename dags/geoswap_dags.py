"""geoswap: per pipeline spec, a DAG extract_transform → validate → promote → gc, and an operations DAG.

This file only wires tasks. At import it reads its settings (Airflow's [geoswap] section, else GEOSWAP_*
environment variables: geoswap_runner.Settings) and lists pipelines/*.yaml (name, schedule, view, sources);
it does no network or database I/O and reads no Variables. A spec that can't be read or wired becomes a DAG
of its own that fails with the problem; the other specs' DAGs load as usual.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml
from airflow.sdk import DAG, Param

import geoswap_runner
from geoswap_runner import LAUNCHER, SWAP_TASK

log = logging.getLogger(__name__)

SETTINGS = geoswap_runner.Settings.load()
RUNNER = geoswap_runner.runner(SETTINGS)
PIPELINES = Path(SETTINGS.pipelines_dir or Path(__file__).resolve().parent.parent / "pipelines")

DEFAULT_ARGS = {
    "owner": "geoswap",
    # Exponential backoff on every task; exit 2/3 fail at once (geoswap_runner), 75 is retried.
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
}

# validate and promote take the version extract_transform built in this run, never "latest".
VERSION = "--version={{ ti.xcom_pull(task_ids='extract_transform') | geoswap_version }}"
FILTERS = {"geoswap_version": geoswap_runner.version_of}


def _run_args() -> list[str]:
    """The run's identity and dates for the launcher, as templates (an argument rendering to "" is left out)."""
    return ["--run-id={{ run_id }}", "--clear-number={{ dag_run.clear_number or 0 }}",
            # A run without a logical date has no `logical_date` in its context at all (Airflow 3).
            "{{ '--logical-date=' ~ logical_date.isoformat() if logical_date is defined and logical_date else '' }}"
            ] + _date_args()


def _date_args() -> list[str]:
    """The dates every run has or may have, for the launcher and validate: `--run-after` (Airflow 3 sets it on
    every run; a run without a logical date — triggered through the API with `logical_date: null`, or by an
    asset — takes it for `${logical_date}`) and the data interval when the run has one. Guarded with `is
    defined`, as Airflow renders with StrictUndefined and a run's context may lack them."""
    return ["{{ '--run-after=' ~ dag_run.run_after.isoformat()"
            " if dag_run is defined and dag_run.run_after is defined and dag_run.run_after else '' }}",
            "{{ '--data-interval-start=' ~ data_interval_start.isoformat()"
            " if data_interval_start is defined and data_interval_start else '' }}",
            "{{ '--data-interval-end=' ~ data_interval_end.isoformat()"
            " if data_interval_end is defined and data_interval_end else '' }}"]


def _report_args(name: str) -> list[str]:
    """validate's `--report` when `report_location` is set: one folder per pipeline."""
    where = SETTINGS.report_location
    return [f"--report={where.rstrip('/')}/{name}"] if where else []


def _db_args(role: str = "publisher") -> list[str]:
    secret = SETTINGS.secret(role)
    return [f"--db-secret-id={secret}"] if secret else []


DOC = """
### geoswap: {name}

Refreshes `{view}` without downtime, replacing `REFRESH MATERIALIZED VIEW`:

1. **extract_transform** builds version `{name}_v<version>` with Spark + Sedona (the version id is the run's
   logical date, else a digest of its run id; a cleared run builds a fresh one). A run without a logical date
   (API with `logical_date: null`, asset-triggered) takes its `run_after` for `${{logical_date}}`;
2. **validate** runs the spec's checks on it (a failed check fails the run at once, no retries);
3. **promote** re-points `{view}` to it in one short transaction and emits an event of the asset
   `{asset}` (extra: version, rows, logical_date, run_after). A backfill older than the live version is skipped here
   unless triggered with `force`; `dry_run` builds and validates only. A skipped promote emits nothing.
4. **gc** drops failed, abandoned and old superseded versions (after a publish or a skipped promote).

Rollback, gc and status on demand: the DAG `{name_ops}`. Spec: `{spec}`.
Exit codes: 0 ok, 2 usage, 3 data, 75 temporary (retried), 99 skipped.
"""

OPS_DOC = """
### geoswap: operations on {name}

Trigger with `action`:
- **status**: the live version, retained versions and recent runs (the task log; the JSON is the XCom);
- **rollback**: re-points `{view}` to `to` (default: the newest retained version); emits an event of `{asset}`;
- **gc**: drops failed, abandoned and old superseded versions and orphaned tables.

Spec: `{spec}`.
"""


@dataclass(frozen=True)
class Spec:
    """All the DAGs need of a spec (the Java tasks validate the rest)."""
    file: Path
    name: str
    schedule: str | None
    schema: str
    view: str
    sources: tuple[tuple[str, str], ...]  # (schema, table)

    @property
    def view_asset(self):
        return geoswap_runner.relation_asset(self.schema, self.view)

    @property
    def source_assets(self) -> list:
        return [geoswap_runner.relation_asset(schema, table) for schema, table in self.sources]

    def dag_schedule(self):
        """The DAG's schedule: the spec's cron or preset; `@assets` schedules it on its sources' assets: it runs
        when any one of them is announced (AssetAny; a plain list would wait for all), e.g. another pipeline's
        view after a publish. Such runs have no logical date: their `${logical_date}` is their run_after."""
        if self.schedule != ASSETS_SCHEDULE:
            return self.schedule
        from airflow.sdk import AssetAny

        return AssetAny(*self.source_assets)


NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")  # the spec's own rule (common/…/spec)
ASSETS_SCHEDULE = "@assets"  # a spec's schedule: run when one of its sources' assets has an event


def _read(spec_file: Path) -> Spec:
    """Reads what the DAGs need; raises ValueError naming the first problem."""
    try:
        meta = yaml.safe_load(spec_file.read_text())
    except yaml.YAMLError as e:
        raise ValueError(f"not valid YAML: {e}".replace("\n", " ")) from e
    if not isinstance(meta, dict):
        raise ValueError("not a YAML mapping of the spec's keys")
    name = meta.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"name: {name!r} is not ^[a-z][a-z0-9_]{{0,39}}$")
    if name != spec_file.stem:
        # The launcher names the EMR run after the file, and the ecs runner finds the spec on S3 by it.
        raise ValueError(f"name: '{name}' differs from the file name; the spec of {name} must be {name}.yaml")
    schedule = meta.get("schedule")
    if schedule is not None and not isinstance(schedule, str):
        raise ValueError(f"schedule: {schedule!r} is not a cron expression or preset")
    target = meta.get("target")
    if not isinstance(target, dict) or not isinstance(target.get("view"), str):
        raise ValueError("target.view is required")
    sources = []
    for alias, source in (meta.get("sources") or {}).items():
        table = source.get("table") if isinstance(source, dict) else None
        if not isinstance(table, str):
            raise ValueError(f"sources.{alias}.table is required")
        schema, _, relation = table.rpartition(".")
        sources.append((schema or "public", relation))
    return Spec(spec_file, name, schedule, str(target.get("schema", "public")), target["view"], tuple(sources))


def _pipeline_dag(spec: Spec) -> DAG:
    location = RUNNER.spec(spec.file)
    with DAG(
        dag_id=f"geoswap__{spec.name}",
        schedule=spec.dag_schedule(),
        catchup=False,  # stated: backfills are created on purpose (UI/API/CLI), not by catch-up
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        params={
            "force": Param(False, type="boolean", description="Promote even if older than the live version."),
            "dry_run": Param(False, type="boolean", description="Build and validate; don't promote."),
        },
        tags=["geoswap", spec.name],
        doc_md=DOC.format(name=spec.name, view=f"{spec.schema}.{spec.view}", spec=spec.file.name,
                          asset=spec.view_asset.uri, name_ops=f"geoswap__{spec.name}__ops"),
        user_defined_filters=FILTERS,
        auto_register=False,  # registered below, and only once every check passed
    ) as dag:
        et = RUNNER.task("extract_transform", LAUNCHER,
                         ["run", "--spec", location] + RUNNER.launcher_target() + _run_args() + _db_args("builder"),
                         inlets=spec.source_assets)
        va = RUNNER.task("validate", SWAP_TASK, ["validate", "--spec", location, VERSION] + _date_args()
                         + _report_args(spec.name) + _db_args())
        pr = RUNNER.task("promote", SWAP_TASK,
                         ["promote", "--spec", location, VERSION, "--force={{ params.force | lower }}"] + _db_args(),
                         dry_run_skips=True, announces="promote", outlets=[spec.view_asset])
        # After a publish or a skipped promote (backfill, dry run); not after a failure, which stays the run's.
        gc = RUNNER.task("gc", SWAP_TASK, ["gc", "--spec", location] + _db_args(), trigger_rule="none_failed")
        et >> va >> pr >> gc
    return dag


def _choose(**context) -> str:
    return context["params"]["action"]


def _ops_dag(spec: Spec) -> DAG:
    from airflow.providers.standard.operators.python import BranchPythonOperator

    location = RUNNER.spec(spec.file)
    with DAG(
        dag_id=f"geoswap__{spec.name}__ops",
        schedule=None,
        catchup=False,
        max_active_runs=1,
        default_args={**DEFAULT_ARGS, "retries": 0},  # an operator's action: no retries behind their back
        params={
            "action": Param("status", enum=["status", "rollback", "gc"], description="What to do."),
            "to": Param(None, type=["null", "string"], pattern=r"^[a-z0-9][a-z0-9_]{0,17}$",
                        description="rollback: the version (default: the newest retained one)."),
        },
        tags=["geoswap", spec.name, "ops"],
        doc_md=OPS_DOC.format(name=spec.name, view=f"{spec.schema}.{spec.view}", spec=spec.file.name,
                              asset=spec.view_asset.uri),
        auto_register=False,
    ) as dag:
        choose = BranchPythonOperator(task_id="choose", python_callable=_choose)
        choose >> [
            RUNNER.task("status", SWAP_TASK, ["status", "--spec", location] + _db_args()),
            RUNNER.task("rollback", SWAP_TASK,
                        ["rollback", "--spec", location, "{{ '--to=' ~ params.to if params.to else '' }}"] + _db_args(),
                        announces="rollback", outlets=[spec.view_asset]),
            RUNNER.task("gc", SWAP_TASK, ["gc", "--spec", location] + _db_args()),
        ]
    return dag


def _broken_dag(spec_file: Path, problem: str, schedule: str | None = None) -> DAG:
    """A spec that can't be wired: a DAG with its name that fails, saying why, each time it runs — on the spec's
    schedule when that much of it is readable, so a scheduled pipeline that broke fails when it would have run."""
    from airflow.providers.standard.operators.python import PythonOperator

    message = f"{spec_file.name}: {problem}"
    with DAG(
        dag_id="geoswap__" + re.sub(r"[^A-Za-z0-9_.-]", "_", spec_file.stem),
        schedule=schedule,
        catchup=False,
        description=f"BROKEN SPEC: {message}"[:1000],
        tags=["geoswap", "broken"],
        doc_md=f"### geoswap: this spec could not be loaded\n\n`{message}`\n\nFix the spec; the DAG comes back "
               "with the next parse. The other specs' DAGs are not affected.",
        auto_register=False,
    ) as dag:
        PythonOperator(task_id="spec_error", python_callable=_fail, op_kwargs={"message": message}, retries=0)
    return dag


def _schedule_of(spec_file: Path) -> str | None:
    try:
        schedule = (yaml.safe_load(spec_file.read_text()) or {}).get("schedule")
    except Exception:
        return None
    return schedule if isinstance(schedule, str) else None


def _fail(message: str) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(f"geoswap: broken spec {message}")


for spec_file in sorted(PIPELINES.glob("*.yaml")):
    try:
        spec = _read(spec_file)
        dags = [_pipeline_dag(spec), _ops_dag(spec)]
        for d in dags:
            d.validate()  # what the DAG processor would check (a bad schedule): here, per spec
    except Exception as e:  # one spec's problem stays with that spec
        log.error("geoswap: spec %s can't be loaded: %s", spec_file, e)
        problem = str(e) or type(e).__name__
        try:
            dags = [_broken_dag(spec_file, problem, _schedule_of(spec_file))]
            dags[0].validate()
        except Exception:  # the schedule is (part of) the problem
            dags = [_broken_dag(spec_file, problem)]
    for d in dags:
        globals()[d.dag_id] = d
