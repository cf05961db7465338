"""The local runner when its JVM dies by a signal: a retryable failure that names the signal.

A stand-in "java" (GEOSWAP_JAVA) does what a JVM killed from outside does; no database is involved.
"""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException

import geoswap_runner

RETRYABLE = type(geoswap_runner.exit_code_error(75, "x"))  # what exit 75 raises


def fake_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    java = tmp_path / "java"
    java.write_text("#!/bin/sh\n" + body + "\n")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("GEOSWAP_JAVA", str(java))


def run_swap_task() -> None:
    geoswap_runner.run("io.geoswap.swap.SwapTaskMain", ["status", "--spec", "pipelines/zone_stats.yaml"])


def test_a_jvm_killed_by_sigkill_fails_retryably_naming_the_signal(tmp_path, monkeypatch):
    # The log line before the death is not JSON, and no result line follows: the signal is all there is.
    fake_java(tmp_path, monkeypatch, 'echo "12:00:00 INFO building"\nkill -9 $$')
    with pytest.raises(AirflowException) as raised:
        run_swap_task()
    assert type(raised.value) is RETRYABLE
    assert not isinstance(raised.value, AirflowFailException)
    message = str(raised.value)
    assert message.startswith("exit 75: io.geoswap.swap.SwapTaskMain: ")
    assert "killed by signal KILL (9)" in message
    assert "nothing was published" in message


def test_an_exit_status_above_128_is_a_signal_death_too(tmp_path, monkeypatch):
    # A JVM that ran its shutdown on TERM without reporting (the launcher outside EMR) exits 128 + 15.
    fake_java(tmp_path, monkeypatch, "exit 143")
    with pytest.raises(AirflowException) as raised:
        run_swap_task()
    assert type(raised.value) is RETRYABLE
    assert "killed by signal TERM (15)" in str(raised.value)


def test_a_jvm_that_reported_its_signal_keeps_its_own_message(tmp_path, monkeypatch):
    # What SignalReport prints on TERM: the runner passes its JSON's error on, as for any exit 75.
    fake_java(tmp_path, monkeypatch, """echo 'geoswap: error: stopped by signal TERM before finishing; nothing was published' >&2
echo '{"status":"failed","exit_code":75,"error":"stopped by signal TERM before finishing; nothing was published","signal":"TERM"}'
exit 75""")
    with pytest.raises(AirflowException) as raised:
        run_swap_task()
    assert type(raised.value) is RETRYABLE
    assert str(raised.value) == ("exit 75: io.geoswap.swap.SwapTaskMain: stopped by signal TERM before finishing;"
                                 " nothing was published")
