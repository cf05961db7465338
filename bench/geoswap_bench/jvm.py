"""The JVMs as ./geoswap starts them (jvm/run-java), run to completion and measured."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from . import ROOT


@dataclass
class ProcResult:
    code: int
    wall: float
    cpu: float
    max_rss_mb: float
    last: dict


def run_java(args: list[str], env: dict) -> ProcResult:
    """Runs a JVM to completion: wall, CPU and peak RSS of that process (wait4), and its JSON last line."""
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    err_lines: list[str] = []
    drain = threading.Thread(target=lambda: err_lines.extend(p.stderr), daemon=True)
    drain.start()
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    drain.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    lines = [l for l in out.splitlines() if l.strip()]
    try:
        last = json.loads(lines[-1]) if lines else {}
    except ValueError:
        last = {}
    if p.returncode != 0:
        sys.stderr.write("".join(err_lines[-30:]))
    return ProcResult(p.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, last)


class Java:
    def __init__(self, extra_jvm: list[str]):
        # The JVMs as ./geoswap starts them (jvm/run-java: Spark's jars, add-opens, the AppCDS archives,
        # which the unmeasured first run of each workload writes if they are missing).
        self.job = [str(ROOT / "jvm/run-java"), "job"]
        self.swap = [str(ROOT / "jvm/run-java"), "swap-task"]
        self.env = dict(os.environ, SCARF_NO_ANALYTICS="true",
                        GEOSWAP_JAVA_OPTS=" ".join([os.environ.get("GEOSWAP_JAVA_OPTS", ""), *extra_jvm]).strip())
