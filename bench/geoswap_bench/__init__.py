"""geoswap's benchmarks, as a package (run through ./geoswap, which puts bench/ on PYTHONPATH).

  workloads   what is measured: the Workload type, the workloads and the scales
  methods     how a result is published, registered by name: refresh, concurrently, ctas, geoswap
  measuring   PostgreSQL's CPU from /proc and the readers' latency while a method runs
  jvm         the JVMs as jvm/run-java starts them, with their CPU seconds and peak RSS (wait4)
  harness     one workload end to end: data, the view, the methods in turn, each result checked
  results     the result comparison, ratios against REFRESH, the harness's own checks, CSV, Markdown, chart
  cli         `./geoswap bench`
  eventlog    Spark's event log of a run, and the Sparklens-style model of it on N task slots
  scaling     `./geoswap scaling`: the job's wall on N executors, predicted from its event log and checked
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: bench/geoswap_bench/__init__.py


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)
