"""Runs one geoswap Java task for an Airflow task and turns its exit code into Airflow's terms.

Imported by geoswap_dags.py; nothing here runs at import time. The exit codes are the README's table:
0 ok (the task's last stdout line, a JSON object, becomes the XCom), 99 skipped, 2 and 3 fail without
retrying (a usage or data error won't heal), 75 and anything else fail so Airflow's retries apply.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SKIP = 99
NO_RETRY = (2, 3)


def _java_command(home: Path, main_class: str) -> list[str]:
    """The local runner's java command: the job jar with Spark's jars, or the swap-task jar."""
    java = os.environ.get("GEOSWAP_JAVA", "java")
    if main_class.startswith("io.geoswap.swap"):
        return [java, "-jar", str(home / "swap-task/target/geoswap-swap-task.jar")]
    spark_cp = (home / "jobs/target/spark-classpath.txt").read_text().strip()
    return [java, f"@{home / 'jvm/spark-java17.args'}", "-cp",
            f"{spark_cp}:{home / 'jobs/target/geoswap-job.jar'}", main_class]


def run(main_class: str, args: list[str]) -> dict:
    """Runs the task on this worker (the `local` runner); returns its JSON result or raises."""
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

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
    try:
        result = json.loads(last) if last else {}
    except ValueError:
        result = {}
    message = result.get("error") or result.get("message") or f"exit code {code}"
    if code == 0:
        return result
    if code == SKIP:
        raise AirflowSkipException(message)
    if code in NO_RETRY:
        raise AirflowFailException(f"{main_class} exited {code}: {message}")
    raise AirflowException(f"{main_class} exited {code}: {message}")
