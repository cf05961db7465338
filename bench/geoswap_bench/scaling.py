"""How long the zone_stats job would take on N executors, predicted from its own Spark event log, and checked.

Runs the zone_stats job with Spark's event log on (`spark.eventLog.*`, under .geoswap/eventlog/): in process on
local[2] at the most rows (repeated, interleaved with local[1]) and at a few rows, then on a Spark standalone
cluster (a master and two 1-core workers from the pyspark distribution, the job jar submitted with
spark-submit, 1 and 2 cores granted). From the median local[2] run's event log (geoswap_bench.eventlog):
  driver time: the run's wall when no task runs (JVM and Spark start, planning, the driver's catalog reads,
               load and indexes, shutdown) — no executor shortens it;
  stages:      per stage its task time and its longest task; the source scan's tasks set by the spec's
               `partitions` (one COPY stream each);
wall(N) = driver time + Σ stages max(task time ÷ (N × 4 cores), longest task) — Sparklens' model. It predicts
the local[1], the small local[2] and the standalone runs, and prints predicted against measured; then the
wall for N = 1…64 executors of 4 cores, the source partitions each N needs, and where the database (its
cores, at the PostgreSQL CPU per row measured here) caps the extract.

Run through ./geoswap scaling [--events N] (it starts PostGIS, builds the jars and installs pyspark).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

# The same measuring code as the benchmark.
from . import ROOT, eventlog, log
from .jvm import Java, run_java
from .measuring import PgCpu

SPEC = str(ROOT / "pipelines/zone_stats.yaml")
CUTOFF = "2026-09-01T00:00:00Z"
SMALL_CUTOFF = "2026-01-16T00:00:00Z"
CORES_PER_EXECUTOR = 4  # EMR Serverless' default executor size (spark.executor.cores 4)
EXECUTORS = range(1, 65)
SHOWN = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
# The README's EMR Serverless case: a REFRESH of 2.5 h at 3.1 µs per event is ~2.9e9 events, 81% read.
TARGET_ROWS = 2_350_000_000
DB_CORES = (4, 8, 16, 32)


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


def event_log_conf(logdir: Path) -> list[str]:
    """Spark settings that write the run's event log into `logdir` (a folder of its own: one log in it)."""
    logdir.mkdir(parents=True, exist_ok=True)
    return ["spark.eventLog.enabled=true", f"spark.eventLog.dir=file:{logdir}"]


def the_log(logdir: Path) -> Path:
    logs = [p for p in logdir.iterdir() if not p.name.endswith(".inprogress")]
    if len(logs) != 1:
        raise RuntimeError(f"expected one finished event log in {logdir}, found {[p.name for p in logdir.iterdir()]}")
    return logs[0]


def run(name: str, cmd: list[str], env: dict, pg: PgCpu, rows: int, logdir: Path) -> dict:
    cpu0 = pg.total()
    r = run_java(cmd, env)
    if r.code != 0:
        raise RuntimeError(f"{name} exited {r.code}: {r.last}")
    ph = r.last.get("phase_seconds", {})
    local = not any("LauncherMain" in c for c in cmd)
    path = the_log(logdir)
    el = eventlog.read(path)
    busy = sum(g.window_ms for g in eventlog.groups(el)) / 1000
    row = {"run": name, "rows": rows, "slots": el.cores, "partitions": eventlog.source_partitions(el),
           "wall_s": round(r.wall, 2), "driver_s": round(r.wall - busy, 2), "tasks_s": round(busy, 2),
           "pg_cpu_s": round(pg.total() - cpu0, 2), "jvm_cpu_s": round(r.cpu, 2) if local else None,
           "start_s": round(r.wall - ph.get("total", 0), 2),
           **{k: ph.get(k) for k in ("plan", "extract", "transform", "load", "index")}, "event_log": str(path)}
    log(f"{name}: {row}")
    return row


def measure(events: int, home: str, java: Java, repeats: int) -> list[dict]:
    """local[2] and local[1] at the most rows (interleaved, `repeats` each), local[2] at a few rows, and the
    standalone cluster with 1 and 2 one-core executors; every run with its event log."""
    ensure_data(events, java)
    with psycopg.connect() as c:
        pg = PgCpu(c)
        # The events' timestamps spread evenly over 300 days: the logical date (the spec's `where`) sets
        # how many rows the job reads, on the same table.
        rows = {d: c.execute("SELECT count(*) FROM public.events WHERE ts < %s", (d,)).fetchone()[0]
                for d in (SMALL_CUTOFF, CUTOFF)}
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    logs = ROOT / ".geoswap/eventlog" / stamp
    job = java.job + ["io.geoswap.job.JobMain", "--spec", SPEC]
    vid = int(time.time()) % 100000

    def local(name: str, threads: int, date: str, version: str) -> dict:
        # The job's SparkConf reads spark.* system properties (SparkSessions); eventLog.* is refused in a
        # spec's `spark:` map, so the JVM options carry it.
        d = logs / version
        opts = " ".join(f"-D{c}" for c in [f"spark.master=local[{threads}]", *event_log_conf(d)])
        env = dict(java.env, GEOSWAP_JAVA_OPTS=f"{java.env.get('GEOSWAP_JAVA_OPTS', '')} {opts}".strip())
        return run(name, job + ["--version", f"s{vid}{version}", "--logical-date", date], env, pg, rows[date], d)

    results = []
    # Unmeasured: one run to warm the page cache and write the class-data archive.
    local("warm-up", 2, CUTOFF, "w")
    for i in range(repeats):
        results.append(local(f"local[2], {rows[CUTOFF]:,} rows", 2, CUTOFF, f"a{i}"))
        results.append(local(f"local[1], {rows[CUTOFF]:,} rows", 1, CUTOFF, f"b{i}"))
    results.append(local(f"local[2], {rows[SMALL_CUTOFF]:,} rows", 2, SMALL_CUTOFF, "s"))
    cluster = Cluster(home, 2)
    try:
        for cores in (1, 2):
            d = logs / f"c{cores}"
            conf = [f"spark.cores.max={cores}", "spark.executor.memory=1g",
                    f"spark.sql.shuffle.partitions={2 * cores}", *event_log_conf(d)]
            cmd = java.job + ["io.geoswap.launcher.LauncherMain", "run", "--target", "spark-submit",
                              "--master", cluster.url, "--spark-home", home,
                              "--job-jar", str(ROOT / "jobs/job/target/geoswap-job.jar"),
                              *[a for c in conf for a in ("--spark-conf", c)],
                              "--spec", SPEC, "--version", f"s{vid}c{cores}", "--logical-date", CUTOFF]
            results.append(run(f"standalone, {cores} executor(s) x 1 core, {rows[CUTOFF]:,} rows", cmd, java.env,
                               pg, rows[CUTOFF], d))
    finally:
        cluster.stop()
    return results


def pct(predicted: float, measured: float) -> float:
    return round(100 * (predicted - measured) / measured, 1)


def models(base: dict, few: dict, cpu: bool) -> tuple[eventlog.Model, float]:
    """The model from `base`'s event log, and the scans' task time per row (µs): what `base` (most rows)
    took over `few` (a few rows), so what a task pays once (JIT, code generation, the COPY's start) is not
    multiplied by the rows."""
    def scan_s(r: dict) -> float:
        return eventlog.Model(eventlog.read(r["event_log"]), r["wall_s"], r["partitions"], cpu=cpu).scan_task_s()
    whole = scan_s(base)
    per_row_us = (whole - scan_s(few)) / (base["rows"] - few["rows"]) * 1e6
    m = eventlog.Model(eventlog.read(base["event_log"]), base["wall_s"], base["partitions"],
                       per_row_share=per_row_us * base["rows"] / 1e6 / whole if whole else 1.0, cpu=cpu)
    return m, per_row_us


def check(r: dict, before: dict, share: float, cpu: bool) -> eventlog.Prediction:
    bm = eventlog.Model(eventlog.read(before["event_log"]), before["wall_s"], before["partitions"],
                        per_row_share=share, cpu=cpu)
    return bm.predict(r["slots"], r["partitions"], rows_scale=r["rows"] / before["rows"])


def analyse(results: list[dict]) -> dict:
    """The model from the median local[2] run at the most rows (task durations, Sparklens'; and executor CPU
    time); its checks against the other runs; the wall it predicts for N executors; the database's limits."""
    most = max(r["rows"] for r in results)
    base_runs = sorted((r for r in results if r["run"].startswith("local[2]") and r["rows"] == most),
                       key=lambda r: r["wall_s"])
    base = base_runs[(len(base_runs) - 1) // 2]
    few = min(results, key=lambda r: r["rows"])
    m, scan_us = models(base, few, cpu=False)
    mc, scan_cpu_us = models(base, few, cpu=True)
    # Each run is predicted from the local[2] run at the most rows that ran just before it (its interleaved
    # pair, or the last one before the cluster): the machine is shared, so runs apart in time differ more
    # than the model's error. Not the run at a few rows: it set the scan's per-row share, so its scan would
    # be predicted from itself.
    checks, before = [], None
    for r in results:
        if r["run"].startswith("local[2]") and r["rows"] == most:
            before = r
            continue
        if r is few or before is None:
            continue
        p, pc = check(r, before, m.per_row_share, False), check(r, before, mc.per_row_share, True)
        checks.append({"run": r["run"], "from": f"{before['run']} ({before['wall_s']} s)",
                       "slots": r["slots"], "partitions": r["partitions"], "measured_s": r["wall_s"],
                       "predicted_s": round(p.wall_s, 2), "error_pct": pct(p.wall_s, r["wall_s"]),
                       "predicted_cpu_s": round(pc.wall_s, 2), "error_cpu_pct": pct(pc.wall_s, r["wall_s"]),
                       "measured_driver_s": r["driver_s"], "predicted_driver_s": round(p.driver_s, 2),
                       "measured_tasks_s": r["tasks_s"], "predicted_tasks_s": round(p.stages_s, 2),
                       "predicted_tasks_cpu_s": round(pc.stages_s, 2)})
    # PostgreSQL's CPU per row read: what the runs at the most rows cost it over the run at a few (the
    # median of every run at the most rows: the database serves local and standalone runs alike), so the
    # fixed part (catalog reads, the load, indexes) drops out.
    pg_us = (statistics.median(r["pg_cpu_s"] for r in results if r["rows"] == most) - few["pg_cpu_s"]) \
        / (most - few["rows"]) * 1e6
    scale = TARGET_ROWS / base["rows"]
    predictions = []
    for n in EXECUTORS:
        slots = n * CORES_PER_EXECUTOR
        need = max(m.partitions_needed(slots), mc.partitions_needed(slots))
        here, here_cpu = m.predict(slots, need), mc.predict(slots, need)
        # Each partition is one COPY statement, one database backend, one core while it runs.
        on_db = {c: mc.predict(slots, need, rows_scale=scale,
                               scan_floor_s=max(0.0, TARGET_ROWS * pg_us / 1e6 / min(need, c))) for c in DB_CORES}
        predictions.append({"executors": n, "slots": slots, "partitions_needed": need,
                            "wall_s": round(here.wall_s, 2), "wall_cpu_s": round(here_cpu.wall_s, 2),
                            # no `partitions` in the spec: Spark's default parallelism, the slots
                            "wall_at_default_partitions_s": round(m.predict(slots, slots).wall_s, 2),
                            "bound_by_longest_s": round(here.bound_by_longest_s, 2),
                            "target_rows_wall_s": round(m.predict(slots, need, rows_scale=scale).wall_s, 1),
                            "target_rows_wall_cpu_s": round(mc.predict(slots, need, rows_scale=scale).wall_s, 1),
                            "target_rows_wall_cpu_on_db_cores_s": {c: round(p.wall_s, 1) for c, p in on_db.items()}})
    scans = [s for s in m.log.stages if m.is_scan(s)]
    return {"base_run": base["run"], "base_wall_s": base["wall_s"], "rows": base["rows"], "driver_s": round(m.driver_s, 2),
            "stages": [{"ids": [s.id for s in g.stages], "tasks": sum(len(s.tasks) for s in g.stages),
                        "task_s": round(g.task_ms / 1000, 2), "cpu_s": round(sum(s.cpu_ms for s in g.stages) / 1000, 2),
                        "longest_s": round(max(s.longest_ms for s in g.stages) / 1000, 2),
                        "window_s": round(g.window_ms / 1000, 2), "scan": any(m.is_scan(s) for s in g.stages)}
                       for g in m.groups],
            "scan_task_s": round(m.scan_task_s(), 2), "scan_task_us_per_row": round(scan_us, 3),
            "scan_cpu_s": round(mc.scan_task_s(), 2), "scan_cpu_us_per_row": round(scan_cpu_us, 3),
            "scan_per_row_share": round(m.per_row_share, 3),
            # How busy the scan's tasks kept a core: under 1 they waited (for the database's COPY stream, or
            # for a core the machine's other processes held).
            "scan_cpu_share": round(sum(s.cpu_ms for s in scans) / sum(s.task_ms for s in scans), 3),
            "skew": round(m.scan_skew(), 3), "pg_cpu_us_per_row": round(pg_us, 3),
            # The database caps the extract once the executors' share of the scan (CPU per row ÷ slots)
            # drops under its CPU per row over its cores (each partition one COPY backend, one core).
            "db_bound_from_executors": {c: round(scan_cpu_us * c / (pg_us * CORES_PER_EXECUTOR), 1) if pg_us > 0 else None
                                        for c in DB_CORES},
            "checks": checks, "predictions": predictions, "target_rows": TARGET_ROWS}


def report(events: int, results: list[dict], a: dict) -> str:
    # When the runs were made (the first run's event log), also when --from analyses them again later.
    first = Path(results[0]["event_log"])
    when = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(first.stat().st_mtime if first.exists() else None))
    lines = ["# geoswap: scale-out estimate from the job's event log (zone_stats)", "",
             f"{events:,} events, 2,000 zones; the rows read set by the logical date; this machine: "
             f"{os.cpu_count()} CPUs, PostgreSQL on the same cores; {when}.", "",
             "## Runs (in the order they ran)", "",
             "Driver s: wall when no task ran (the event log's task times against the process's wall); tasks s: "
             "when at least one did.", "",
             "| run | rows read | task slots | source partitions | wall s | driver s | tasks s | start s | extract s | "
             "transform s | load s | index s | JVM CPU s | PostgreSQL CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['run']} | {r['rows']:,} | {r['slots']} | {r['partitions']} | {r['wall_s']} | {r['driver_s']} | "
                     f"{r['tasks_s']} | {r['start_s']} | {r['extract']} | {r['transform']} | {r['load']} | {r['index']} | "
                     f"{r['jvm_cpu_s'] if r['jvm_cpu_s'] is not None else 'n/a'} | {r['pg_cpu_s']} |")
    most = max(r["rows"] for r in results)
    for kind in ("local[2]", "local[1]"):
        walls = [r["wall_s"] for r in results if r["run"].startswith(kind) and r["rows"] == most]
        if len(walls) > 1:
            lines.append(f"\n{kind} at the most rows: {min(walls)}–{max(walls)} s over {len(walls)} runs "
                         f"(max ÷ min {max(walls) / min(walls):.2f}: the machine's other load, not the job).")
    lines += ["", "JVM CPU of the standalone runs is the launcher's and spark-submit's only (executors are the workers' "
              "children), so n/a there.", "",
              f"## The model, from the event log of the median {a['base_run']} ({a['base_wall_s']} s)", "",
              f"- driver time: {a['driver_s']} s",
              f"- source scan: {a['scan_task_s']} s of task time ({a['scan_task_us_per_row']} µs per row over the run at "
              f"a few rows), {a['scan_cpu_s']} s of executor CPU ({a['scan_cpu_us_per_row']} µs per row): its tasks "
              f"used a core {round(100 * a['scan_cpu_share'])}% of their time; longest ÷ mean task {a['skew']}",
              f"- PostgreSQL: {a['pg_cpu_us_per_row']} µs of CPU per row read (likewise over the run at a few rows)",
              "", "| stages | tasks | task s | executor CPU s | longest task s | ran for s | source scan |",
              "|---|---|---|---|---|---|---|"]
    for g in a["stages"]:
        lines.append(f"| {', '.join(map(str, g['ids']))} | {g['tasks']} | {g['task_s']} | {g['cpu_s']} | {g['longest_s']} | "
                     f"{g['window_s']} | {'yes' if g['scan'] else ''} |")
    lines += ["", "## Predicted against measured", "",
              "Each run predicted from the event log of the local[2] run just before it, with the run's own task "
              "slots and source partitions: from the tasks' durations (Sparklens) and from their executor CPU time "
              "(the work alone: a core per slot, no waiting). Error: predicted against measured; the driver and "
              "tasks columns show which part of the run it comes from.", "",
              "| run | predicted from | task slots | partitions | measured s | predicted s (durations) | error | "
              "predicted s (CPU) | error | driver s measured / predicted | tasks s measured / durations / CPU |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in a["checks"]:
        lines.append(f"| {c['run']} | {c['from']} | {c['slots']} | {c['partitions']} | {c['measured_s']} | "
                     f"{c['predicted_s']} | {c['error_pct']:+}% | {c['predicted_cpu_s']} | {c['error_cpu_pct']:+}% | "
                     f"{c['measured_driver_s']} / {c['predicted_driver_s']} | {c['measured_tasks_s']} / "
                     f"{c['predicted_tasks_s']} / {c['predicted_tasks_cpu_s']} |")
    tr = a["target_rows"]
    lines += ["", f"## Predicted for N executors × {CORES_PER_EXECUTOR} cores", "",
              f"At {a['rows']:,} rows (durations; CPU), and at {tr / 1e9:g} billion rows (the README's EMR case: the "
              "scan's per-row part scaled by the rows, the rest as measured; CPU), there with the database unlimited "
              "and with C cores: the scan then takes at least the rows × PostgreSQL's CPU per row ÷ min(partitions, C). "
              "Partitions needed: the fewest, a multiple of the slots, with which the scan is not bound by its "
              "longest task. Every N in scaling.json (`predictions`).", "",
              "| executors | slots | partitions needed | wall s (durations) | wall s (CPU) | of which longest tasks s | "
              f"{tr / 1e9:g}e9 rows: wall s (durations) | wall s (CPU) | " + " | ".join(
                  f"CPU, {c}-core database" for c in DB_CORES) + " |",
              "|---|---|---|---|---|---|---|---|" + "---|" * len(DB_CORES)]
    for p in a["predictions"]:
        if p["executors"] in SHOWN:
            lines.append(f"| {p['executors']} | {p['slots']} | {p['partitions_needed']} | {p['wall_s']} | {p['wall_cpu_s']} | "
                         f"{p['bound_by_longest_s']} | {p['target_rows_wall_s']} | {p['target_rows_wall_cpu_s']} | "
                         + " | ".join(str(p["target_rows_wall_cpu_on_db_cores_s"][c]) for c in DB_CORES) + " |")
    bound = a["db_bound_from_executors"]
    lines += ["", "The database caps the extract (executors wait on the COPY streams) from about "
              + (", ".join(f"N = {v} with {c} database cores" for c, v in bound.items()) if None not in bound.values()
                 else "— not measurable here (PostgreSQL's CPU per row came out ≤ 0)")
              + ": the scan's executor CPU per row ÷ 4N against PostgreSQL's CPU per row ÷ its cores."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./geoswap scaling", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3, help="local[2] and local[1] runs at the most rows, interleaved")
    ap.add_argument("--out", default=str(ROOT / "bench/results/scaling"))
    ap.add_argument("--from", dest="source", metavar="JSON",
                    help="no runs: analyse the runs of an earlier scaling.json again (their event logs must still exist)")
    a = ap.parse_args(argv)
    if a.source:
        # An earlier run's file, and the event logs it names: a usage error in one line if they aren't there.
        try:
            earlier = json.loads(Path(a.source).read_text())
            a.events, results = earlier["events"], earlier["runs"]
            analysed = analyse(results)
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f"geoswap: error: --from {a.source}: not an earlier scaling.json with its event logs"
                  f" ({type(e).__name__}: {e})", file=sys.stderr)
            return 2
    else:
        results = measure(a.events, os.environ["GEOSWAP_SPARK_HOME"], Java([]), a.repeats)
        analysed = analyse(results)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    text = report(a.events, results, analysed)
    (out / "scaling.md").write_text(text + "\n")
    (out / "scaling.json").write_text(json.dumps({"events": a.events, "runs": results, "model": analysed}, indent=1) + "\n")
    print(text)
    log(f"wrote {out / 'scaling.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
