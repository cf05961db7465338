"""How geoswap's time splits into serial and parallel parts, measured, and what that predicts for a cluster.

Runs the zone_stats job on one table, reading three amounts of rows (the logical date moves the cutoff), in
process on local[2], then the largest also on local[1] and on a Spark standalone cluster (a master and two
1-core workers from the pyspark distribution, the job jar submitted with spark-submit, 1 and 2 cores
granted). A straight line through the local[2] runs splits the job into
  serial:   what a run costs at zero rows (JVM + Spark start, catalog reads, planning and code generation,
            broadcasting the zones, the load, indexes) — it does not shrink with executors;
  parallel: the cost per row read (COPY decode, geometry parsing and checks, the spatial join, the partial
            aggregation) in wall seconds and in JVM CPU seconds — what executors divide among themselves;
and gives PostgreSQL's CPU per row read (the COPY streams), the database's share that grows with the data.
On a 2-core machine shared with PostgreSQL a second core can't show executor scaling (the first already
overlaps with the database's COPY and the JVM's compiler and collector), so the prediction for N executors
comes from the per-row CPU, not from a speed-up measured here.

Run through ./geoswap scaling [--events N] (it starts PostGIS, builds the jars and installs pyspark).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

# The same measuring code as the benchmark.
from . import ROOT, log
from .jvm import Java, run_java
from .measuring import PgCpu

SPEC = str(ROOT / "pipelines/zone_stats.yaml")
CUTOFF = "2026-09-01T00:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A standalone master and `workers` 1-core workers (Spark's own daemons, from SPARK_HOME)."""

    def __init__(self, home: str, workers: int):
        self.home, self.work = home, Path(tempfile.mkdtemp(prefix="geoswap-scaling-"))
        self.port, self.ui = free_port(), free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        env = dict(os.environ, SPARK_HOME=home, SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(self.work),
                   SCARF_NO_ANALYTICS="true")
        cls = f"{home}/bin/spark-class"
        self.procs = [subprocess.Popen([cls, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                        "--port", str(self.port), "--webui-port", str(self.ui)],
                                       stdout=open(self.work / "master.log", "w"), stderr=subprocess.STDOUT, env=env)]
        for i in range(workers):
            self.procs.append(subprocess.Popen(
                [cls, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1", "--memory", "2g",
                 "--webui-port", str(free_port()), "--work-dir", str(self.work / f"w{i}"), self.url],
                stdout=open(self.work / f"worker{i}.log", "w"), stderr=subprocess.STDOUT, env=env))
        import urllib.request
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.ui}/json/", timeout=2) as r:
                    if json.load(r).get("aliveworkers") == workers:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"standalone cluster did not come up (logs in {self.work})")

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(30)


def ensure_data(events: int, java: Java) -> None:
    with psycopg.connect() as c:
        have = c.execute("SELECT count(*) FROM pg_class WHERE relname = 'events'").fetchone()[0]
        n = c.execute("SELECT count(*) FROM public.events").fetchone()[0] if have else -1
    if n != events:
        log(f"generating zone_stats with {events:,} events")
        subprocess.run(java.job + ["io.geoswap.job.tools.ExampleData", str(ROOT / "examples/zone_stats"),
                                   f"events={events}"], check=True, stdout=subprocess.DEVNULL, env=java.env)
        with psycopg.connect(autocommit=True) as c:
            c.execute("VACUUM ANALYZE public.events")


def run(name: str, cmd: list[str], env: dict, pg: PgCpu, cores: int, rows: int) -> dict:
    cpu0 = pg.total()
    r = run_java(cmd, env)
    if r.code != 0:
        raise RuntimeError(f"{name} exited {r.code}: {r.last}")
    ph = r.last.get("phase_seconds", {})
    local = not any("LauncherMain" in c for c in cmd)
    row = {"run": name, "cores": cores, "rows": rows, "wall_s": round(r.wall, 2), "pg_cpu_s": round(pg.total() - cpu0, 2),
           "jvm_cpu_s": round(r.cpu, 2) if local else None,
           "start_s": round(r.wall - ph.get("total", 0), 2), **{k: ph.get(k) for k in ("plan", "extract", "transform", "load", "index")}}
    row["serial_s"] = round(row["start_s"] + row["plan"] + row["load"] + row["index"], 2)
    log(f"{name}: {row}")
    return row


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares y = a + b x."""
    n, mx, my = len(xs), sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return my - b * mx, b


def measure(events: int, home: str, java: Java) -> list[dict]:
    """The job on local[2] at three amounts of rows, on local[1] and on the standalone cluster at the most."""
    env = java.env
    ensure_data(events, java)
    with psycopg.connect() as c:
        pg = PgCpu(c)
        # The events' timestamps spread evenly over 300 days: the logical date (the spec's `where`) sets
        # how many rows the job reads, on the same table.
        cutoffs = {d: c.execute("SELECT count(*) FROM public.events WHERE ts < %s", (d,)).fetchone()[0]
                   for d in ("2026-01-16T00:00:00Z", "2026-05-01T00:00:00Z", CUTOFF)}
    job = java.job + ["io.geoswap.job.JobMain", "--spec", SPEC]
    stamp = int(time.time()) % 100000
    results = []
    # Unmeasured: one run to warm the page cache and write the class-data archive.
    run("warm-up", job + ["--version", f"s{stamp}w", "--logical-date", CUTOFF], env, pg, 2, 0)
    for i, (date, rows) in enumerate(cutoffs.items()):
        results.append(run(f"local[2], {rows:,} rows", job + ["--version", f"s{stamp}r{i}", "--logical-date", date],
                           env, pg, 2, rows))
    rows = cutoffs[CUTOFF]
    e1 = dict(env, GEOSWAP_JAVA_OPTS="-Dspark.master=local[1]")
    results.append(run(f"local[1], {rows:,} rows", job + ["--version", f"s{stamp}l1", "--logical-date", CUTOFF],
                       e1, pg, 1, rows))
    cluster = Cluster(home, 2)
    try:
        for cores in (1, 2):
            cmd = java.job + ["io.geoswap.launcher.LauncherMain", "run", "--target", "spark-submit",
                              "--master", cluster.url, "--spark-home", home,
                              "--job-jar", str(ROOT / "jobs/job/target/geoswap-job.jar"),
                              "--spark-conf", f"spark.cores.max={cores}", "--spark-conf", "spark.executor.memory=1g",
                              "--spark-conf", f"spark.sql.shuffle.partitions={2 * cores}",
                              "--spec", SPEC, "--version", f"s{stamp}c{cores}", "--logical-date", CUTOFF]
            results.append(run(f"standalone, {cores} executor(s) x 1 core, {rows:,} rows", cmd, env, pg, cores, rows))
    finally:
        cluster.stop()
    return results


def model(results: list[dict]) -> dict:
    """Straight lines through the local[2] runs: seconds at zero rows and per row."""
    local = [r for r in results if r["run"].startswith("local[2]")]
    wall0, wall_per_row = fit([r["rows"] for r in local], [r["wall_s"] for r in local])
    cpu0, cpu_per_row = fit([r["rows"] for r in local], [r["jvm_cpu_s"] for r in local])
    pg0, pg_per_row = fit([r["rows"] for r in local], [r["pg_cpu_s"] for r in local])
    return {"wall_at_0_rows_s": round(wall0, 2), "wall_per_million_rows_s": round(wall_per_row * 1e6, 3),
            "jvm_cpu_at_0_rows_s": round(cpu0, 2), "jvm_cpu_per_row_us": round(cpu_per_row * 1e6, 3),
            "pg_cpu_per_row_us": round(pg_per_row * 1e6, 3)}


def report(events: int, results: list[dict], model: dict) -> str:
    lines = ["# geoswap: serial and parallel time (zone_stats)", "",
             f"{events:,} events, 2,000 zones; the rows read set by the logical date; this machine: "
             f"{os.cpu_count()} CPUs, PostgreSQL on the same cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             "| run | rows read | wall s | start s | read s | transform s | load s | index s | JVM CPU s | PostgreSQL CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['run']} | {r['rows']:,} | {r['wall_s']} | {r['start_s']} | {r['read']} | {r['transform']} | "
                     f"{r['load']} | {r['index']} | {r['jvm_cpu_s'] if r['jvm_cpu_s'] is not None else 'n/a'} | {r['pg_cpu_s']} |")
    lines += ["", "Fitted over the local[2] runs (least squares, rows read → seconds):", "",
              f"- wall = {model['wall_at_0_rows_s']} s + {model['wall_per_million_rows_s']} s per million rows",
              f"- JVM CPU = {model['jvm_cpu_at_0_rows_s']} s + {model['jvm_cpu_per_row_us']} µs per row",
              f"- PostgreSQL CPU = {model['pg_cpu_per_row_us']} µs per row read (the COPY streams)", "",
              "JVM CPU of the standalone runs is the launcher's and spark-submit's only (executors are the workers' "
              "children), so n/a there."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./geoswap scaling", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--out", default=str(ROOT / "bench/results/scaling"))
    a = ap.parse_args(argv)
    results = measure(a.events, os.environ["GEOSWAP_SPARK_HOME"], Java([]))
    fitted = model(results)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    text = report(a.events, results, fitted)
    (out / "scaling.md").write_text(text + "\n")
    (out / "scaling.json").write_text(json.dumps({"events": a.events, "runs": results, "model": fitted}, indent=1) + "\n")
    print(text)
    log(f"wrote {out / 'scaling.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
