"""Runs geoswap's Java tasks for Airflow: the settings, the two runners, and the exit-code table.

Imported by geoswap_dags.py; nothing here runs at import time. The exit codes are the README's table:
0 ok (the task's last output line, a JSON object, becomes the XCom), 99 skipped, 2 and 3 fail without
retrying (a usage or data error won't heal), 75 and anything else fail so Airflow's retries apply. Both
runners apply the same table: `local` runs the JVM on the worker (`run`), `ecs` runs the task image on ECS
(`GeoswapEcsRunTaskOperator`). A JVM killed by a signal (KILL from the kernel's OOM killer, say) could not
report: the local runner reports it as 75.

A task is declared once, for either runner, as the arguments of `launcher …` or `swap-task …`: Jinja
templates, rendered by Airflow; an argument that renders to "" is left out (how optional options are passed).
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

SKIP = 99
NO_RETRY = (2, 3)
TEMPORARY = 75

LAUNCHER = "io.geoswap.launcher.LauncherMain"  # `launcher …` in the task image
SWAP_TASK = "io.geoswap.swap.SwapTaskMain"  # `swap-task …`
ENTRY_POINTS = {LAUNCHER: "launcher", SWAP_TASK: "swap-task"}


# --- settings ---------------------------------------------------------------------------------------------------

def _text(value: str) -> str:
    return value.strip()


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.strip() not in allowed:
            raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
        return value.strip()
    return parse


def _list(sep: str | None) -> Callable[[str], tuple[str, ...]]:
    return lambda value: tuple(s.strip() for s in value.split(sep) if s.strip())


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in ("true", "t", "yes", "1", "on"):
        return True
    if v in ("false", "f", "no", "0", "off"):
        return False
    raise ValueError(f"'{value}' is not true or false")


def _duration(value: str) -> timedelta:
    """`30s`, `2m`, `1h`, `500ms`, or plain seconds: as the Java tasks write durations."""
    m = re.fullmatch(r"\s*(\d+)\s*(ms|s|m|h)?\s*", value)
    if not m:
        raise ValueError(f"'{value}' is not a duration (30s, 2m, 1h)")
    n, unit = int(m.group(1)), m.group(2) or "s"
    return {"ms": timedelta(milliseconds=n), "s": timedelta(seconds=n), "m": timedelta(minutes=n),
            "h": timedelta(hours=n)}[unit]


def _key(default: Any, parse: Callable[[str], Any], doc: str):
    return field(default=default, metadata={"parse": parse, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """The DAGs' settings. Each key is read from Airflow's configuration section `[geoswap]` — airflow.cfg, an
    `AIRFLOW__GEOSWAP__<KEY>` environment variable, or on MWAA the configuration option `geoswap.<key>` — else from
    the environment variable `GEOSWAP_<KEY>`, else it takes the default written next to it."""

    runner: str = _key("local", _choice("local", "ecs"), "local: the JVM on the worker; ecs: the task image on ECS")
    pipelines_dir: str | None = _key(None, _text, "the specs (default: ../pipelines beside the DAG file)")
    home: str | None = _key(None, _text, "local: a geoswap checkout with built jars")
    db_secret_id: str | None = _key(None, _text, "the database secret (Secrets Manager) of every task")
    builder_db_secret_id: str | None = _key(None, _text, "extract_transform's secret (default: db_secret_id)")
    publisher_db_secret_id: str | None = _key(None, _text, "validate/promote/rollback/gc/status's (default: db_secret_id)")
    aws_conn_id: str | None = _key("aws_default", _text, "ecs: the Airflow connection (MWAA: the execution role)")
    ecs_cluster: str | None = _key(None, _text, "ecs: the cluster")
    ecs_task_definition: str | None = _key(None, _text, "ecs: the task image's task definition (family[:revision])")
    ecs_container: str = _key("geoswap", _text, "ecs: the container's name in the task definition")
    ecs_subnets: tuple[str, ...] = _key((), _list(","), "ecs: the tasks' subnets, comma-separated")
    ecs_security_groups: tuple[str, ...] = _key((), _list(","), "ecs: their security groups, comma-separated")
    ecs_log_group: str | None = _key(None, _text, "ecs: the awslogs group (the result line is read from it)")
    ecs_log_stream_prefix: str | None = _key(
        None, _text, "ecs: awslogs-stream-prefix + '/' + container (default: ecs/<ecs_container>, as in "
                     "docker/ecs/task-definition.json)")
    ecs_deferrable: bool = _key(True, _bool, "ecs: wait for the container in the triggerer, not in a worker slot")
    ecs_poll_interval: timedelta = _key(timedelta(seconds=30), _duration, "ecs: how often the wait asks ECS")
    spec_prefix: str | None = _key(None, _text, "ecs: the specs on S3 (s3://…/pipelines)")
    report_location: str | None = _key(
        None, _text, "validate's change report of each run against the live version: a folder, or s3://bucket/prefix "
                     "(ecs: the task role may write geoswap/reports/*); <location>/<name>/<name>-<version>.html")
    launcher_args: tuple[str, ...] = _key((), _list(None), "ecs: the launcher's EMR Serverless options, space-separated")

    @property
    def log_stream_prefix(self) -> str:
        return self.ecs_log_stream_prefix or f"ecs/{self.ecs_container}"

    @classmethod
    def load(cls) -> "Settings":
        """Reads every key; raises SettingsError listing every problem at once."""
        from airflow.sdk import conf

        values, problems = {}, []
        for f in dataclasses.fields(cls):
            raw = conf.get("geoswap", f.name, fallback=None)
            where = f"[geoswap] {f.name}"
            if raw is None:
                raw, where = os.environ.get(f"GEOSWAP_{f.name.upper()}"), f"GEOSWAP_{f.name.upper()}"
            if raw is None or raw.strip() == "":
                continue
            try:
                values[f.name] = f.metadata["parse"](raw)
            except ValueError as e:
                problems.append(f"{where}: {e}")
        settings = cls(**values)
        if settings.runner == "ecs" and not problems:
            for required in ("ecs_cluster", "ecs_task_definition", "ecs_subnets", "ecs_log_group", "spec_prefix"):
                if not getattr(settings, required):
                    problems.append(f"[geoswap] {required} (or GEOSWAP_{required.upper()}) is required with runner = ecs")
        if problems:
            raise SettingsError("geoswap settings: " + "; ".join(problems))
        return settings

    def secret(self, role: str) -> str | None:
        """Least privilege (README "Security model"): the builder's or the publisher's secret, else the shared one."""
        return {"builder": self.builder_db_secret_id, "publisher": self.publisher_db_secret_id}[role] or self.db_secret_id


class SettingsError(ValueError):
    pass


# --- the exit-code table ----------------------------------------------------------------------------------------

def exit_code_error(code: int, message: str) -> Exception:
    """The Airflow exception for a non-zero exit code of a geoswap task."""
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

    if code == SKIP:
        return AirflowSkipException(message)
    if code in NO_RETRY:
        return AirflowFailException(f"exit {code} (not retried): {message}")
    return AirflowException(f"exit {code}: {message}")


def signal_death_message(signum: int) -> str:
    """What a JVM killed by signal `signum` means, worded as jvm/run-java words it."""
    try:
        name = signal.Signals(signum).name.removeprefix("SIG")
    except ValueError:
        name = str(signum)
    return (f"the JVM was killed by signal {name} ({signum}): out of memory or stopped from outside;"
            " nothing was published")


def json_result(value: Any) -> dict:
    """A task's result as a dict: the local runner's XCom is one, the ecs runner's is its JSON line."""
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def version_of(xcom: Any) -> str:
    """The version extract_transform built (its XCom), for validate and promote: never "latest"."""
    version = json_result(xcom).get("version")
    if not version:
        raise ValueError(f"extract_transform's result names no version: {xcom!r}")
    return version


def present(args: list[str]) -> list[str]:
    """The rendered arguments without those that rendered to "" (an optional option not given)."""
    return [a for a in args if a != ""]


# --- assets -----------------------------------------------------------------------------------------------------

def relation_asset(schema: str, relation: str):
    """The Airflow Asset of a relation in the pipelines' database: `x-geoswap://<schema>/<relation>` (`x-`: a scheme
    of our own, which Airflow leaves as it is). A published view is one; a source table another; a source that
    is another pipeline's view is that pipeline's asset."""
    from airflow.sdk import Asset

    return Asset(f"x-geoswap://{schema}/{relation}", group="geoswap")


def announce(context, result: dict, action: str) -> None:
    """Sets the extra of the asset events this task is about to emit (its outlets: the view it published).

    A skipped or failed task emits none, so a superseded backfill or a dry run announces nothing."""
    if not context.get("outlets"):
        return
    extra: dict[str, Any] = {"action": action, "version": result.get("version"), "previous": result.get("previous")}
    if action == "promote":
        built = json_result(context["ti"].xcom_pull(task_ids="extract_transform"))
        logical_date = context.get("logical_date")
        run_after = getattr(context.get("dag_run"), "run_after", None)
        # A run without a logical date (API with logical_date: null, asset-triggered) built with its run_after.
        extra.update(rows=built.get("rows"), logical_date=logical_date.isoformat() if logical_date else None,
                     run_after=run_after.isoformat() if run_after else None)
    for asset in context["outlets"]:
        context["outlet_events"][asset].extra = extra


# --- the local runner -------------------------------------------------------------------------------------------

def _java_command(home: Path, main_class: str) -> list[str]:
    """The local runner's command: jvm/run-java, the one way geoswap starts its JVMs (./geoswap and the
    benchmark too): Spark's jars ahead of the job and launcher jars (GEOSWAP_SPARK_CLASSPATH for a
    distribution's), Spark's --add-opens, the driver's heap, a class-data archive where it can write one, and
    the output contract when the JVM dies by a signal. GEOSWAP_JAVA picks another java."""
    run_java = str(home / "jvm/run-java")
    if main_class.startswith("io.geoswap.swap"):
        return [run_java, "swap-task"]
    return [run_java, "job", main_class]


def run(main_class: str, args: list[str]) -> dict:
    """Runs the task on this worker (the `local` runner); returns its JSON result or raises."""
    home = Settings.load().home
    if not home:
        raise exit_code_error(2, "[geoswap] home (or GEOSWAP_HOME) is not set: the local runner needs a geoswap"
                                 " checkout with built jars")
    home = Path(home)
    cmd = _java_command(home, main_class) + args
    print("geoswap: running", main_class, " ".join(args), flush=True)
    env = dict(os.environ, SCARF_NO_ANALYTICS="true")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    last = None
    for line in proc.stdout:  # stream into the task log as it comes
        sys.stdout.write(line)
        if line.strip():
            last = line.strip()
    code = proc.wait()
    if code < 0 or code > 128:
        # Killed by a signal (Popen gives -N; a JVM that ran its shutdown on a signal without reporting, as the
        # launcher does outside EMR, exits 128 + N). The tasks' JVMs report TERM, INT and HUP themselves and
        # exit 75 (common/.../cli/SignalReport); this is a death nobody reported, KILL say: nothing was
        # published, and a retry builds again from the start (README "Exit codes").
        raise exit_code_error(TEMPORARY, f"{main_class}: {signal_death_message(-code if code < 0 else code - 128)}")
    result = json_result(last)
    message = result.get("error") or result.get("message") or f"exit code {code}"
    if code == 0:
        return result
    raise exit_code_error(code, f"{main_class}: {message}")


def run_local_task(main_class: str, args: list[str], dry_run_skips: bool = False, announces: str | None = None,
                   **context) -> dict:
    """A PythonOperator's callable: one geoswap command on this worker, its JSON result the XCom."""
    if dry_run_skips and context["params"].get("dry_run"):
        from airflow.sdk.exceptions import AirflowSkipException

        raise AirflowSkipException("dry_run: built and validated, not promoted")
    result = run(main_class, present(args))
    if announces:
        announce(context, result, announces)
    return result


# --- the ecs runner ---------------------------------------------------------------------------------------------

_ECS_OPERATOR = None
RESULT_READS = 5  # tries to read a result line CloudWatch hasn't ingested yet …
RESULT_READ_PAUSE = timedelta(seconds=2)  # … and the pause before each


def ecs_operator_class():
    """GeoswapEcsRunTaskOperator, defined on first use so that importing this module needs no provider."""
    global _ECS_OPERATOR
    if _ECS_OPERATOR is None:
        from airflow.providers.amazon.aws.hooks.logs import AwsLogsHook
        from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator
        from airflow.sdk.exceptions import AirflowException, AirflowSkipException

        class GeoswapEcsRunTaskOperator(EcsRunTaskOperator):
            """The provider's EcsRunTaskOperator, with geoswap's exit-code table on top of its public API.

            The provider does the work in both of its modes — reattach (a retry finds the task it started by
            `startedBy`), RunTask, the wait (deferrable: its TaskDoneTrigger in the triggerer, which also
            forwards the container's log), the stopped container's check, and the last awslogs line as the
            XCom. It fails a task on any non-zero exit (retried) and skips on `skip_on_exit_code`; this class
            catches that failure in `execute`/`execute_complete`, reads the container's exit code
            (DescribeTasks) and its JSON result line (GetLogEvents), and raises what the local runner raises
            for that code: 2 and 3 fail at once, 99 skips, 75 and others are retried."""

            def __init__(self, *, dry_run_skips: bool = False, announces: str | None = None, **kw):
                kw.setdefault("skip_on_exit_code", [SKIP])
                super().__init__(**kw)
                self.dry_run_skips = dry_run_skips
                self.announces = announces

            def execute(self, context):
                if self.dry_run_skips and context["params"].get("dry_run"):
                    raise AirflowSkipException("dry_run: built and validated, not promoted")
                for container in self.overrides.get("containerOverrides", []):
                    if "command" in container:
                        container["command"] = present(container["command"])
                try:
                    line = super().execute(context)  # deferrable: raises TaskDeferred, resumes in execute_complete
                except AirflowException as e:
                    raise self._mapped(e) from e
                return self._succeeded(context, line)

            def execute_complete(self, context, event=None):
                try:
                    line = super().execute_complete(context, event)
                except AirflowException as e:
                    raise self._mapped(e) from e
                return self._succeeded(context, line)

            def _succeeded(self, context, line):
                # The result is the container's last line; CloudWatch may not show it yet when ECS reports
                # the task stopped (ingestion is asynchronous): read again, briefly, rather than pass on a
                # log line as the result.
                for _ in range(RESULT_READS):
                    if not self.do_xcom_push or json_result(line):
                        break
                    time.sleep(RESULT_READ_PAUSE.total_seconds())
                    line = self._last_line() or line
                if self.announces:
                    announce(context, json_result(line), self.announces)
                return line

            def _mapped(self, error: Exception) -> Exception:
                code = self._exit_code()
                if code is None:  # not a container's exit (failed to start, host gone, …): as the provider says
                    return error
                result = json_result(self._last_line())
                what = " ".join(self._command()[:2]) or self.task_id
                return exit_code_error(code, f"{what}: {result.get('error') or result.get('message') or error}")

            def _command(self) -> list[str]:
                containers = self.overrides.get("containerOverrides") or [{}]
                return containers[0].get("command") or []

            def _exit_code(self) -> int | None:
                if not self.arn:
                    return None
                tasks = self.client.describe_tasks(cluster=self.cluster, tasks=[self.arn]).get("tasks", [])
                for task in tasks:
                    for container in task.get("containers", []):
                        if container.get("exitCode") not in (None, 0):
                            return container["exitCode"]
                return None

            def _last_line(self) -> str | None:
                """The container's last log line, its JSON result. The stream is named as the awslogs driver
                names it: <awslogs-stream-prefix>/<container>/<task id> (this operator's
                awslogs_stream_prefix is the first two)."""
                if not (self.awslogs_group and self.awslogs_stream_prefix and self.arn):
                    return None
                try:
                    logs = AwsLogsHook(aws_conn_id=self.aws_conn_id,
                                       region_name=self.awslogs_region or self.region_name).conn
                    events = logs.get_log_events(
                        logGroupName=self.awslogs_group, startFromHead=False, limit=1,
                        logStreamName=f"{self.awslogs_stream_prefix}/{self.arn.rsplit('/', 1)[-1]}")["events"]
                except Exception:  # the message is a convenience; the exit code decided already
                    return None
                return events[-1]["message"] if events else None

        _ECS_OPERATOR = GeoswapEcsRunTaskOperator
    return _ECS_OPERATOR


def ecs_operator(**kwargs):
    """A GeoswapEcsRunTaskOperator (skips on 99; 2 and 3 fail without retries)."""
    return ecs_operator_class()(**kwargs)


# --- the runners: one task declaration, two ways to run it ---------------------------------------------------

class LocalRunner:
    """The JVM on the worker (dev, tests, self-hosted Airflow)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def spec(self, spec_file: Path) -> str:
        return str(spec_file)

    def launcher_target(self) -> list[str]:
        return ["--target", "local"]

    def task(self, task_id: str, main_class: str, args: list[str], *, dry_run_skips: bool = False,
             announces: str | None = None, **kw):
        from airflow.providers.standard.operators.python import PythonOperator

        return PythonOperator(task_id=task_id, python_callable=run_local_task, **kw, op_kwargs={
            "main_class": main_class, "args": args, "dry_run_skips": dry_run_skips, "announces": announces})


class EcsRunner:
    """MWAA: the task image on ECS Fargate; the wait deferred to the triggerer (ecs_deferrable)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def spec(self, spec_file: Path) -> str:
        # The launcher names the EMR run after the file and the specs sit side by side on S3: <name>.yaml.
        return f"{(self.settings.spec_prefix or '').rstrip('/')}/{spec_file.name}"

    def launcher_target(self) -> list[str]:
        return (["--target", "emr-serverless", "--dag-id={{ dag.dag_id }}", "--dag-run-id={{ run_id }}"]
                + list(self.settings.launcher_args))

    def task(self, task_id: str, main_class: str, args: list[str], *, dry_run_skips: bool = False,
             announces: str | None = None, **kw):
        s = self.settings
        return ecs_operator(
            task_id=task_id, dry_run_skips=dry_run_skips, announces=announces,
            cluster=s.ecs_cluster, task_definition=s.ecs_task_definition, launch_type="FARGATE",
            overrides={"containerOverrides": [{"name": s.ecs_container, "command": [ENTRY_POINTS[main_class]] + args}]},
            network_configuration={"awsvpcConfiguration": {
                "subnets": list(s.ecs_subnets), "securityGroups": list(s.ecs_security_groups),
                "assignPublicIp": "DISABLED"}},
            # The container's name given, the provider needn't poll for it (it sleeps 10 s and 30 s to).
            container_name=s.ecs_container, awslogs_group=s.ecs_log_group, awslogs_stream_prefix=s.log_stream_prefix,
            aws_conn_id=s.aws_conn_id, reattach=True, do_xcom_push=True, deferrable=s.ecs_deferrable,
            waiter_delay=max(1, int(s.ecs_poll_interval.total_seconds())), **kw)


def runner(settings: Settings):
    return EcsRunner(settings) if settings.runner == "ecs" else LocalRunner(settings)
