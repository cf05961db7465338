"""The output contract when a JVM dies by a signal, on real processes: jvm/run-java and the JVM it starts.

Every geoswap command ends with one `geoswap: error:` line on stderr when it fails, a JSON object as its
last stdout line, and an exit code of the README's table. A JVM stopped by TERM, INT or HUP reports that
itself (SignalReport, exit 75); one killed by KILL cannot, and run-java, its parent, reports it (exit 75).

To have a JVM that waits long enough to be signalled without a database, `swap-task status` connects to a
listener of this test that accepts and never answers: with PGSSLMODE=disable the JVM sends its startup
message and waits for the reply for good (with SSL it would give up after pgjdbc's 5 s SSL answer wait).
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_JAVA = ROOT / "jvm/run-java"
SPEC = ROOT / "pipelines/zone_stats.yaml"
WAIT = 60.0  # seconds: the most any step below waits (a JVM start on a busy machine takes a few)


class Listener:
    """A TCP listener on 127.0.0.1 that accepts connections and never says a word."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self.held: list[socket.socket] = []
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping:
            ready, _, _ = select.select([self.server], [], [], 0.1)
            if ready:
                conn, _ = self.server.accept()
                self.held.append(conn)
                self.accepted += 1

    def wait_for_connection(self, count: int) -> None:
        poll_until(lambda: self.accepted >= count, "the JVM to connect to the silent listener")

    def close(self) -> None:
        self.stopping = True
        self.thread.join(timeout=5)
        for c in self.held:
            c.close()
        self.server.close()


def poll_until(done, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module", autouse=True)
def built() -> None:
    for jar in ("swap-task/target/geoswap-swap-task.jar", "jobs/job/target/geoswap-job.jar",
                "jobs/job/target/spark-classpath.txt"):
        if not (ROOT / jar).is_file():
            pytest.fail(f"{jar} is missing: build first (./geoswap build)")


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [l for l in self.stderr.splitlines() if l.startswith("geoswap: error:")]

    @property
    def json_lines(self) -> list[str]:
        return [l for l in self.stdout.splitlines() if l.startswith("{")]

    @property
    def result(self) -> dict:
        lines = [l for l in self.stdout.splitlines() if l.strip()]
        assert lines, f"no stdout at all; stderr:\n{self.stderr[-3000:]}"
        return json.loads(lines[-1])


class RunJava:
    """jvm/run-java ARGS… in a session of its own, its output in files (no pipe to fill up)."""

    def __init__(self, tmp: Path, env: dict[str, str], *args: str) -> None:
        self.out_path, self.err_path = tmp / "stdout", tmp / "stderr"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            # env --default-signal: a suite started under nohup (HUP ignored, inherited) still tests HUP.
            self.proc = subprocess.Popen(["env", "--default-signal=HUP,INT,TERM", str(RUN_JAVA), *args], cwd=ROOT,
                                         env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

    def java_child(self) -> int:
        """The JVM: the child of run-java that has exec'd java (found through /proc)."""
        found: list[int] = []

        def look() -> bool:
            assert self.proc.poll() is None, f"run-java ended early ({self.proc.returncode}): {self.err_path.read_text()[-2000:]}"
            try:
                kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
                found[:] = [int(k) for k in kids if Path(f"/proc/{k}/comm").read_text().strip() == "java"]
            except FileNotFoundError:  # a child that just ended
                return False
            return bool(found)

        poll_until(look, "run-java's java child")
        return found[0]

    def finish(self) -> Finished:
        try:
            code = self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return Finished(code, self.out_path.read_text(), self.err_path.read_text())

    def kill(self) -> None:
        """Ends what this test started: run-java's session (its process group), by its id."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


@pytest.fixture
def started() -> Iterator[list[RunJava]]:
    runs: list[RunJava] = []
    yield runs
    for r in runs:
        r.kill()


def env_for(listener: Listener, state: Path, cds: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k not in ("GEOSWAP_CDS", "GEOSWAP_JAVA_OPTS")}
    env.update(PGHOST="127.0.0.1", PGPORT=str(listener.port), PGUSER="sig_user", PGDATABASE="sig_db",
               PGPASSWORD="sig-not-a-secret", PGSSLMODE="disable", PGCONNECT_TIMEOUT="60",
               GEOSWAP_STATE_DIR=str(state), GEOSWAP_CDS=cds)
    return env


def cds_state(tmp_path: Path, mode: str, listener: Listener) -> tuple[Path, str]:
    """A state dir for run-java's three ways to start a JVM: no archive (off), writing one (dump), mapping
    one (archive; written here first by a quick `--help`)."""
    state = tmp_path / "state"
    if mode == "archive":
        subprocess.run([str(RUN_JAVA), "swap-task", "--help"], cwd=ROOT, env=env_for(listener, state, "on"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=WAIT)
        assert list((state / "cds").glob("swap-task-*.jsa")), "the --help run wrote no archive"
    return state, "off" if mode == "off" else "on"


def start_status(tmp_path: Path, listener: Listener, started: list[RunJava], mode: str) -> RunJava:
    state, cds = cds_state(tmp_path, mode, listener)
    run = RunJava(tmp_path, env_for(listener, state, cds), "swap-task", "status", "--spec", str(SPEC))
    started.append(run)
    listener.wait_for_connection(1)  # the JVM is in the command now, waiting for the server's answer
    return run


def assert_one_report(f: Finished, signal_name: str, error: str) -> dict:
    assert f.code == 75, f"exit {f.code}; stderr:\n{f.stderr[-3000:]}"
    assert len(f.error_lines) == 1, f.error_lines
    assert len(f.json_lines) == 1, f.json_lines
    result = f.result
    assert result == {"status": "failed", "exit_code": 75, "error": error, "signal": signal_name}
    assert f.error_lines[0] == "geoswap: error: " + error
    assert "sig-not-a-secret" not in f.stdout + f.stderr
    return result


@pytest.mark.parametrize("mode", ["off", "dump", "archive"])
def test_a_jvm_killed_by_sigkill_is_reported_by_run_java_as_75(tmp_path, listener, started, mode):
    run = start_status(tmp_path, listener, started, mode)
    os.kill(run.java_child(), signal.SIGKILL)
    f = run.finish()
    assert_one_report(f, "KILL", "the swap-task JVM (swap-task status) was killed by signal KILL (9): out of memory"
                      " (raise its heap: -Xmx in GEOSWAP_JAVA_OPTS) or stopped from outside; nothing was published")
    assert "Killed" not in f.stderr  # no job notice of bash's besides the error line


@pytest.mark.parametrize("mode", ["off", "archive"])
def test_sigterm_to_run_java_reaches_the_jvm_which_reports_it_once(tmp_path, listener, started, mode):
    run = start_status(tmp_path, listener, started, mode)
    run.proc.send_signal(signal.SIGTERM)
    assert_one_report(run.finish(), "TERM", "stopped by signal TERM before finishing; nothing was published")


def test_sighup_to_run_java_reaches_the_jvm_which_reports_it_once(tmp_path, listener, started):
    run = start_status(tmp_path, listener, started, "off")
    run.proc.send_signal(signal.SIGHUP)
    assert_one_report(run.finish(), "HUP", "stopped by signal HUP before finishing; nothing was published")


def test_ctrl_c_reaches_the_jvm_once_through_run_java_and_directly(tmp_path, listener, started):
    # A terminal's Ctrl-C sends INT to the whole foreground process group: run-java (which passes it on) and
    # the JVM alike, so the JVM gets it twice and still reports once. pytest's own INT handler makes run-java
    # start with INT at its default even if this pytest was started with INT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run = start_status(tmp_path, listener, started, "off")
    finally:
        signal.signal(signal.SIGINT, previous)
    run.java_child()
    os.killpg(run.proc.pid, signal.SIGINT)
    assert_one_report(run.finish(), "INT", "stopped by signal INT before finishing; nothing was published")


def test_the_job_jvm_killed_by_sigkill_is_named_with_its_main_class(tmp_path, listener, started):
    # No need to wait for the job to connect: a KILL at any time is the same to run-java.
    run = RunJava(tmp_path, env_for(listener, tmp_path / "state", "off"), "job", "io.geoswap.job.JobMain",
                  "--spec", str(SPEC), "--version", "sig_v1")
    started.append(run)
    os.kill(run.java_child(), signal.SIGKILL)
    assert_one_report(run.finish(), "KILL", "the job JVM (io.geoswap.job.JobMain) was killed by signal KILL (9):"
                      " out of memory (raise GEOSWAP_DRIVER_MEMORY) or stopped from outside; nothing was published")


def test_exit_codes_up_to_128_pass_through_with_the_jvms_own_result(tmp_path, listener, started):
    run = RunJava(tmp_path, env_for(listener, tmp_path / "state", "off"), "swap-task", "status", "--spec",
                  str(tmp_path / "missing.yaml"))
    started.append(run)
    f = run.finish()
    assert f.code == 2
    assert len(f.error_lines) == 1 and len(f.json_lines) == 1
    assert f.result["exit_code"] == 2 and "signal" not in f.result


STAND_IN = """#!/bin/bash
# A stand-in java: prints its result line, writes an archive if asked (junk: it "dies writing it"),
# says it finished when $1 is "finished", then dies by SIGSEGV as JDK 17 sometimes does at exit.
for a in "$@"; do
  case "$a" in -XX:ArchiveClassesAtExit=*) echo junk > "${a#-XX:ArchiveClassesAtExit=}" ;; esac
done
echo '{"status":"ok","exit_code":0,"pipeline":"stand_in"}'
if [ "$SAY_FINISHED" = yes ] && [ -n "$GEOSWAP_FINISHED_FILE" ]; then printf 0 > "$GEOSWAP_FINISHED_FILE"; fi
kill -SEGV $$
"""


@pytest.mark.parametrize("say_finished", [True, False])
def test_a_jvm_that_dies_after_its_command_finished_keeps_its_result_and_leaves_no_archive(tmp_path, listener,
                                                                                         started, say_finished):
    java = tmp_path / "java"
    java.write_text(STAND_IN)
    java.chmod(0o755)
    state = tmp_path / "state"
    env = env_for(listener, state, "on")
    env.update(GEOSWAP_JAVA=str(java), SAY_FINISHED="yes" if say_finished else "no")
    run = RunJava(tmp_path, env, "swap-task", "status", "--spec", str(SPEC))
    started.append(run)
    f = run.finish()
    assert not list((state / "cds").glob("*.jsa")), "an archive from a JVM that died writing it was kept"
    if say_finished:
        assert f.code == 0, f.stderr
        assert f.json_lines == ['{"status":"ok","exit_code":0,"pipeline":"stand_in"}']
        assert f.error_lines == []
        assert "died by signal SEGV after its command had finished (exit code 0); its result above stands" in f.stderr
    else:
        assert f.code == 75
        assert f.result["status"] == "failed" and f.result["signal"] == "SEGV"


def test_a_half_written_archive_of_a_run_that_is_gone_is_removed_by_the_next_run(tmp_path, listener, started):
    java = tmp_path / "java"
    java.write_text(STAND_IN)
    java.chmod(0o755)
    state = tmp_path / "state"
    cds = state / "cds"
    cds.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    alive = os.getpid()  # this test's own process: its file must stay
    stale = cds / f"swap-task-0123456789abcdef.jsa.{dead.pid}.tmp"
    running = cds / f"swap-task-0123456789abcdef.jsa.{alive}.tmp"
    stale.write_text("half an archive")
    running.write_text("being written")
    env = env_for(listener, state, "on")
    env.update(GEOSWAP_JAVA=str(java), SAY_FINISHED="yes")
    run = RunJava(tmp_path, env, "swap-task", "status", "--spec", str(SPEC))
    started.append(run)
    f = run.finish()
    assert f.code == 0, f.stderr
    assert not stale.exists(), "the archive a dead run left half-written is still there"
    assert running.exists(), "the archive a live process is writing was removed"
