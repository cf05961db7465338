"""The runner's retry policy follows the Java exit-code table (io.geoswap.common.ExitCode), the one contract:
each code's retry meaning comes from the enum, and the runner maps it to the matching Airflow outcome."""
from __future__ import annotations

import json
import subprocess

from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

import geoswap_runner
from conftest import ROOT


def exit_code_table() -> list[dict]:
    jar = ROOT / "swap-task/target/geoswap-swap-task.jar"
    out = subprocess.run(["java", "-cp", str(jar), "io.geoswap.common.ExitCode"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_runner_skips_and_refuses_retries_exactly_as_the_java_table_says():
    table = exit_code_table()
    assert {e["name"] for e in table} == {"OK", "UNEXPECTED", "USAGE", "DATA", "TEMPORARY", "SKIPPED"}
    assert geoswap_runner.SKIP == next(e["code"] for e in table if e["name"] == "SKIPPED")
    assert set(geoswap_runner.NO_RETRY) == {e["code"] for e in table if e["retry"] == "NO"}
    for e in table:
        if e["code"] == 0:
            continue
        error = geoswap_runner.exit_code_error(e["code"], "x")
        if e["name"] == "SKIPPED":
            assert isinstance(error, AirflowSkipException), e
        elif e["retry"] == "NO":
            assert isinstance(error, AirflowFailException), e
        else:  # retried by Airflow: a plain AirflowException, never the no-retry one
            assert isinstance(error, AirflowException) and not isinstance(error, AirflowFailException), e
