"""geoswap vs. what users run today, side by side, on the same data and machine, in one run.

For each workload and size: generate the data once (examples/<workload>), then run, alternating:
  refresh       REFRESH MATERIALIZED VIEW
  concurrently  REFRESH MATERIALIZED VIEW CONCURRENTLY (the view has its unique index)
  ctas          CREATE TABLE AS + indexes + CREATE OR REPLACE VIEW (the dbt-style swap), in PostgreSQL
  geoswap       the extract-transform job (fresh JVM, local Spark), validate, promote
measuring wall seconds per phase, PostgreSQL CPU seconds (every backend and parallel worker, minus the
reader sessions), the JVMs' CPU seconds and peak RSS, and, from 4 sessions querying the published relation
in a loop meanwhile, max and p99 latency, errors and empty results. Ratios are against REFRESH in the same
run. Every method's result is compared with REFRESH's (the harness fails if one differs).

Run through ./geoswap bench (it starts PostGIS, builds the jars and installs psycopg + matplotlib).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from . import ROOT, log
from .harness import bench_workload
from .jvm import Java
from .methods import METHODS, named
from .results import add_ratios, failed_count, problems, write_outputs
from .workloads import SCALES, WORKLOADS, parse_only


def machine() -> dict:
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    with psycopg.connect() as c:
        pg = c.execute("SHOW server_version").fetchone()[0]
    return {"cpus": os.cpu_count(), "memory_gib": round(mem / 1024 / 1024), "system": platform.platform(),
            "postgres": pg, "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./geoswap bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--only", help="workload:size[,workload:size…] instead of the scale's list")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--jvm-flag", action="append", default=[], help="extra flag for the job's JVM (repeatable)")
    ap.add_argument("--out", default=str(ROOT / "bench/results"))
    a = ap.parse_args(argv)
    try:
        work = parse_only(a.only) if a.only else SCALES[a.scale]
        methods = named([m for m in a.methods.split(",") if m])
    except ValueError as e:
        ap.error(str(e))
    java = Java(a.jvm_flag)
    rows = []
    for workload, size in work:
        rows += bench_workload(WORKLOADS[workload], size, a.repeats, java, methods)
    add_ratios(rows)
    name = a.scale if not a.only else "custom"
    csv_path, md_path, png_path = write_outputs(rows, Path(a.out), name, machine())
    print(md_path.read_text())
    log(f"wrote {csv_path}, {md_path}" + (f", {png_path}" if png_path else ""))
    found = problems(rows)
    for p in found:
        log("FAILED: " + p)
    failed = failed_count(found)
    print(f"bench: {len(rows) - failed} passed, {failed} failed", file=sys.stderr, flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
