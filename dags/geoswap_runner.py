"""Runs one geoswap Java task for an Airflow task and turns its exit code into Airflow's terms.

Imported by geoswap_dags.py; nothing here runs at import time. The exit codes are the README's table:
0 ok (the task's last stdout line, a JSON object, becomes the XCom), 99 skipped, 2 and 3 fail without
retrying (a usage or data error won't heal), 75 and anything else fail so Airflow's retries apply. Both
runners apply the same table: `run` for the local one, `ecs_operator` for ECS. A JVM killed by a signal
(KILL from the kernel's OOM killer, say) could not report: the local runner reports it as 75.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

SKIP = 99
NO_RETRY = (2, 3)
TEMPORARY = 75


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
    home = Path(os.environ["GEOSWAP_HOME"])
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
    try:
        result = json.loads(last) if last else {}
    except ValueError:
        result = {}
    message = result.get("error") or result.get("message") or f"exit code {code}"
    if code == 0:
        return result
    raise exit_code_error(code, f"{main_class}: {message}")


def signal_death_message(signum: int) -> str:
    """What a JVM killed by signal `signum` means, worded as jvm/run-java words it."""
    try:
        name = signal.Signals(signum).name.removeprefix("SIG")
    except ValueError:
        name = str(signum)
    return (f"the JVM was killed by signal {name} ({signum}): out of memory or stopped from outside;"
            " nothing was published")


def exit_code_error(code: int, message: str) -> Exception:
    """The Airflow exception for a non-zero exit code of a geoswap task."""
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

    if code == SKIP:
        return AirflowSkipException(message)
    if code in NO_RETRY:
        return AirflowFailException(f"exit {code} (not retried): {message}")
    return AirflowException(f"exit {code}: {message}")


_ECS_OPERATOR = None


def ecs_operator(**kwargs):
    """An EcsRunTaskOperator that maps the container's exit code like the local runner does.

    The provider's operator fails the task on any non-zero exit (retried) and can only skip on chosen
    codes; a failed check (3) or a bad spec (2) must fail at once instead of being retried three times.
    """
    global _ECS_OPERATOR
    if _ECS_OPERATOR is None:
        from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator
        from airflow.sdk.exceptions import AirflowSkipException

        class GeoswapEcsRunTaskOperator(EcsRunTaskOperator):
            def __init__(self, *, dry_run_skips: bool = False, **kw):
                super().__init__(**kw)
                self.dry_run_skips = dry_run_skips

            def execute(self, context):
                if self.dry_run_skips and context["params"].get("dry_run"):
                    raise AirflowSkipException("dry_run: built and validated, not promoted")
                return super().execute(context)

            def _check_success_task(self) -> None:
                try:
                    super()._check_success_task()
                except AirflowSkipException:
                    raise
                except Exception as e:
                    code = self._exit_code()
                    if code in NO_RETRY:
                        raise exit_code_error(code, str(e)) from e
                    raise

            def _exit_code(self):
                tasks = self.client.describe_tasks(cluster=self.cluster, tasks=[self.arn]).get("tasks", [])
                for task in tasks:
                    for container in task.get("containers", []):
                        if container.get("exitCode") not in (None, 0):
                            return container["exitCode"]
                return None

        _ECS_OPERATOR = GeoswapEcsRunTaskOperator
    return _ECS_OPERATOR(skip_on_exit_code=[SKIP], **kwargs)
