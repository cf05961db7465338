#!/usr/bin/env python3
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
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")
READERS = 4
THINK_S = 0.05
STAMP = int(time.time())
METHODS = ["refresh", "concurrently", "ctas", "geoswap"]

# Workloads: generator parameter that sets the size, the view's key, reader query, result fingerprint.
WORKLOADS = {
    "zone_stats": {
        "size_param": "events",
        "key": "zone_id",
        "key_sql": "SELECT zone_id FROM public.zones",
        "read_sql": "SELECT events, avg_value FROM {rel} WHERE zone_id = %s",
        "fingerprint": "SELECT count(*), sum(events), sum(categories), sum(total_value), sum(avg_value),"
                       " sum(ST_Area(geom)) FROM {rel}",
        "exact": 3,  # the first 3 fingerprint values must match exactly, the rest within FLOAT_TOLERANCE
    },
    # A result as large as its source (every event with its zone): the load phase carries volume, so
    # load throughput can be set against a plain COPY. Its data is zone_stats'; spec and view in bench/.
    "event_zones": {
        "size_param": "events",
        "example": "zone_stats",
        "dir": ROOT / "bench/workloads/event_zones",
        "key": "id",
        "key_sql": "SELECT id FROM public.mv_event_zones ORDER BY id LIMIT 20000",
        "read_sql": "SELECT zone_id, value FROM {rel} WHERE id = %s",
        "fingerprint": "SELECT count(*), sum(id), sum(zone_id), count(DISTINCT category), sum(value),"
                       " sum(extract(epoch FROM ts)), sum(ST_X(geom)) FROM {rel}",
        "exact": 4,
    },
    "land_use_area": {
        "size_param": "polygons",
        "key": "region_id, season, land_type",
        "key_sql": "SELECT region_id FROM public.regions",
        "read_sql": "SELECT land_type, area_m2 FROM {rel} WHERE region_id = %s",
        "fingerprint": "SELECT count(*), count(DISTINCT region_id), sum(area_m2), sum(ST_Area(geom)) FROM {rel}",
        "exact": 2,
    },
}
# JTS (Sedona) and GEOS (PostGIS) differ in the last bits of overlays; sums of floats in addition order.
FLOAT_TOLERANCE = 1e-6

SCALES = {
    "small": [("zone_stats", 100_000), ("event_zones", 50_000), ("land_use_area", 5_000)],
    "medium": [("zone_stats", 1_000_000), ("event_zones", 1_000_000), ("land_use_area", 20_000)],
    "full": [("zone_stats", 1_000_000), ("zone_stats", 10_000_000), ("zone_stats", 30_000_000),
             ("event_zones", 1_000_000), ("land_use_area", 20_000), ("land_use_area", 100_000)],
}


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# --- measuring PostgreSQL ------------------------------------------------------------------------------------

def proc_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds of a process (utime + stime; with children: plus its reaped children's)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLK_TCK


class PgCpu:
    """CPU of the whole cluster: every live child of the postmaster, plus what the postmaster has reaped
    from children that exited (a backend that ended during the run is not lost)."""

    def __init__(self, conn: psycopg.Connection):
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        self.postmaster = int(Path(data_dir, "postmaster.pid").read_text().split()[0])

    def children(self) -> list[int]:
        pids = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == self.postmaster:
                            pids.append(int(d))
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    pass
        return pids

    def total(self) -> float:
        return proc_cpu(self.postmaster, children=True) + sum(proc_cpu(p) for p in self.children())


# --- readers -------------------------------------------------------------------------------------------------

@dataclass
class ReaderStats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    first_error: str | None = None


class Readers:
    """4 sessions querying `rel` by random key in a loop, as a dashboard would."""

    def __init__(self, rel: str, sql: str, keys: list[int]):
        self.rel, self.sql, self.keys = rel, sql.format(rel=rel), keys
        self.stop = threading.Event()
        self.stats = [ReaderStats() for _ in range(READERS)]
        self.conns = [psycopg.connect(autocommit=True, application_name="geoswap-bench-reader") for _ in range(READERS)]
        self.pids = [c.execute("SELECT pg_backend_pid()").fetchone()[0] for c in self.conns]
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(READERS)]

    def cpu(self) -> float:
        return sum(proc_cpu(p) for p in self.pids)

    def _loop(self, i: int) -> None:
        conn, st, rnd = self.conns[i], self.stats[i], random.Random(i)
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                rows = conn.execute(self.sql, (rnd.choice(self.keys),)).fetchall()
                if not rows:
                    st.empty += 1
            except psycopg.Error as e:
                st.errors += 1
                st.first_error = st.first_error or str(e).strip().splitlines()[0]
                time.sleep(0.01)
            st.latencies.append(time.perf_counter() - t0)
            # Think time, as a dashboard has: the readers measure stalls without eating a core of their own.
            self.stop.wait(THINK_S)

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(1.0)  # readers warm, the relation cached
        return self

    def __exit__(self, *exc):
        time.sleep(1.0)
        self.stop.set()
        for t in self.threads:
            t.join(60)
        for c in self.conns:
            c.close()

    def summary(self) -> dict:
        lat = sorted(x for s in self.stats for x in s.latencies)
        errors = sum(s.errors for s in self.stats)
        return {
            "reader_queries": len(lat),
            "reader_max_ms": round(lat[-1] * 1000, 1) if lat else None,
            "reader_p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1) if lat else None,
            "reader_errors": errors,
            "reader_empty": sum(s.empty for s in self.stats),
            "reader_first_error": next((s.first_error for s in self.stats if s.first_error), None),
        }


# --- processes -----------------------------------------------------------------------------------------------

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


# --- the methods ---------------------------------------------------------------------------------------------

def workload_dir(workload: str) -> Path:
    """Where a workload's materialized view (and, for bench-only workloads, its spec) is."""
    return WORKLOADS[workload].get("dir", ROOT / "examples" / workload)


def example_dir(workload: str) -> Path:
    """The example whose generator makes a workload's data."""
    return ROOT / "examples" / WORKLOADS[workload].get("example", workload)


def spec_path(workload: str) -> str:
    w = WORKLOADS[workload]
    return str(w["dir"] / f"{workload}.yaml" if "dir" in w else ROOT / "pipelines" / f"{workload}.yaml")


def view_select(workload: str, cutoff: str | None) -> str:
    """The materialized view's query (its materialized_view.sql), for the CTAS method."""
    sql = (workload_dir(workload) / "materialized_view.sql").read_text()
    body = sql.split(" AS\n", 1)[1].split(";\n")[0]
    return body.replace("${cutoff}", cutoff or "")


def method_refresh(ctx, concurrently: bool) -> dict:
    t0 = time.perf_counter()
    ctx.conn.execute(f"REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if concurrently else ''}public.mv_{ctx.workload}")
    return {"wall_s": time.perf_counter() - t0, "phases": {"refresh": round(time.perf_counter() - t0, 3)}}


def method_ctas(ctx, run: int) -> dict:
    w, conn = ctx.workload, ctx.conn
    table = f"public.bench_ctas_{w}_{run}"
    key = WORKLOADS[w]["key"]
    t0 = time.perf_counter()
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} AS {ctx.select}")
    t1 = time.perf_counter()
    conn.execute(f"CREATE UNIQUE INDEX ON {table} ({key})")
    conn.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    conn.execute(f"ANALYZE {table}")
    t2 = time.perf_counter()
    with conn.transaction():
        conn.execute("SET LOCAL lock_timeout = '2s'")
        conn.execute(f"CREATE OR REPLACE VIEW public.bench_vw_{w} AS SELECT * FROM {table}")
    t3 = time.perf_counter()
    if ctx.ctas_previous:
        conn.execute(f"DROP TABLE IF EXISTS {ctx.ctas_previous}")
    ctx.ctas_previous = table
    t4 = time.perf_counter()
    return {"wall_s": t4 - t0, "phases": {"create": round(t1 - t0, 3), "index": round(t2 - t1, 3),
                                          "swap": round(t3 - t2, 3), "drop": round(t4 - t3, 3)}}


def method_geoswap(ctx, run: int) -> dict:
    # Unique across bench runs: a version that was live is never rebuilt in place.
    version = f"b{STAMP}_{len(str(ctx.size))}{run}"
    spec = spec_path(ctx.workload)
    date = ["--logical-date", ctx.cutoff] if ctx.cutoff else []
    t0 = time.perf_counter()
    job = run_java(ctx.java.job + ["io.geoswap.job.JobMain", "--spec", spec, "--version", version, *date], ctx.java.env)
    if job.code != 0:
        raise RuntimeError(f"geoswap job exited {job.code}: {job.last}")
    val = run_java(ctx.java.swap + ["validate", "--spec", spec, "--version", version], ctx.java.env)
    if val.code != 0:
        raise RuntimeError(f"validate exited {val.code}: {val.last.get('error')}")
    pro = run_java(ctx.java.swap + ["promote", "--spec", spec, "--version", version, "--force"], ctx.java.env)
    if pro.code != 0:
        raise RuntimeError(f"promote exited {pro.code}: {pro.last.get('error')}")
    wall = time.perf_counter() - t0
    ph = job.last.get("phase_seconds", {})
    phases = {"jvm_start": round(job.wall - ph.get("total", 0), 3), "read": ph.get("read"),
              "transform": ph.get("transform"), "load": ph.get("load"), "index": ph.get("index"),
              "validate": round(val.wall, 3), "promote": round(pro.wall, 3)}
    return {"wall_s": wall, "phases": phases, "jvm_cpu_s": job.cpu + val.cpu + pro.cpu,
            "jvm_peak_rss_mb": max(job.max_rss_mb, val.max_rss_mb, pro.max_rss_mb),
            "rows": job.last.get("rows"), "load_s": ph.get("load")}


@dataclass
class Ctx:
    workload: str
    size: int
    conn: psycopg.Connection
    java: Java
    cutoff: str | None
    select: str
    ctas_previous: str | None = None


def relation(method: str, workload: str) -> str:
    return {"refresh": f"public.mv_{workload}", "concurrently": f"public.mv_{workload}",
            "ctas": f"public.bench_vw_{workload}", "geoswap": f"public.vw_{workload}"}[method]


def fingerprint(conn, workload: str, rel: str) -> list:
    return [float(x) if x is not None else None
            for x in conn.execute(WORKLOADS[workload]["fingerprint"].format(rel=rel)).fetchone()]


def same(a: list, b: list, exact: int) -> bool:
    for i, (x, y) in enumerate(zip(a, b)):
        if i < exact:
            if x != y:
                return False
        elif x is None or y is None:
            if x != y:
                return False
        elif abs(x - y) > FLOAT_TOLERANCE * max(1.0, abs(x), abs(y)):
            return False
    return True


def copy_baseline(conn, workload: str) -> float:
    """Rows per second of a plain COPY of the result rows into a fresh table (psql's COPY FROM STDIN)."""
    rel = f"public.mv_{workload}"
    data = subprocess.run(["psql", "-qAtX", "-c", f"COPY (SELECT * FROM {rel}) TO STDOUT (FORMAT binary)"],
                          check=True, capture_output=True).stdout
    conn.execute("DROP TABLE IF EXISTS public.bench_copy")
    conn.execute(f"CREATE TABLE public.bench_copy (LIKE {rel})")
    t0 = time.perf_counter()
    subprocess.run(["psql", "-qX", "-c", "COPY public.bench_copy FROM STDIN (FORMAT binary)"], input=data, check=True)
    seconds = time.perf_counter() - t0
    rows = conn.execute("SELECT count(*) FROM public.bench_copy").fetchone()[0]
    conn.execute("DROP TABLE public.bench_copy")
    return rows / seconds


# --- one workload ------------------------------------------------------------------------------------------

def generate(workload: str, size: int, java: Java, cutoff: str | None) -> float:
    spec = WORKLOADS[workload]
    t0 = time.perf_counter()
    with psycopg.connect(autocommit=True) as c:  # views over the example's tables would block re-creating them
        for w in WORKLOADS:
            c.execute(f"DROP MATERIALIZED VIEW IF EXISTS public.mv_{w}")
    own = "example" not in spec
    subprocess.run(java.job + ["io.geoswap.job.tools.ExampleData", str(example_dir(workload)),
                               f"{spec['size_param']}={size}", *(["--materialized-view"] if own else [])],
                   check=True, stdout=subprocess.DEVNULL, env=java.env)
    if not own:
        sql = (workload_dir(workload) / "materialized_view.sql").read_text().replace("${cutoff}", cutoff or "")
        with psycopg.connect(autocommit=True) as c:
            c.execute(sql)
    return time.perf_counter() - t0


def bench_workload(workload: str, size: int, repeats: int, java: Java, methods: list[str]) -> list[dict]:
    with psycopg.connect(autocommit=True) as c:  # a clean slate for the CTAS method
        c.execute(f"DROP VIEW IF EXISTS public.bench_vw_{workload}")
        for (t,) in c.execute("SELECT oid::regclass::text FROM pg_class WHERE relkind = 'r' AND relname LIKE %s",
                              (f"bench\\_ctas\\_{workload}\\_%",)).fetchall():
            c.execute(f"DROP TABLE {t}")
    log(f"{workload} at {size:,}: generating data and the materialized view")
    defaults = (example_dir(workload) / "defaults.properties").read_text()
    cutoff = next((l.split("=", 1)[1].strip() for l in defaults.splitlines() if l.startswith("cutoff=")), None)
    gen_s = generate(workload, size, java, cutoff)
    conn = psycopg.connect(autocommit=True, application_name="geoswap-bench")
    conn.execute("VACUUM ANALYZE")
    ctx = Ctx(workload, size, conn, java, cutoff, view_select(workload, cutoff))
    keys = [r[0] for r in conn.execute(WORKLOADS[workload]["key_sql"]).fetchall()]
    pg = PgCpu(conn)
    # Unmeasured: publish once with CTAS and geoswap so their views exist for the readers.
    method_ctas(ctx, 0)
    method_geoswap(ctx, 0)
    reference = fingerprint(conn, workload, relation("refresh", workload))
    copy_rows_per_s = copy_baseline(conn, workload)
    log(f"{workload} at {size:,}: generated in {gen_s:.1f} s; plain COPY of the result: {copy_rows_per_s:,.0f} rows/s")
    results = []
    for run in range(1, repeats + 1):
        for method in methods:
            rel = relation(method, workload)
            with Readers(rel, WORKLOADS[workload]["read_sql"], keys) as readers:
                cpu0, rcpu0 = pg.total(), readers.cpu()
                if method in ("refresh", "concurrently"):
                    m = method_refresh(ctx, method == "concurrently")
                elif method == "ctas":
                    m = method_ctas(ctx, run)
                else:
                    m = method_geoswap(ctx, run)
                pg_cpu = (pg.total() - cpu0) - (readers.cpu() - rcpu0)
            row = {"workload": workload, "size": size, "method": method, "run": run,
                   "wall_s": round(m["wall_s"], 3), "pg_cpu_s": round(pg_cpu, 2),
                   "jvm_cpu_s": round(m.get("jvm_cpu_s", 0.0), 2),
                   "jvm_peak_rss_mb": round(m.get("jvm_peak_rss_mb", 0.0)),
                   "phases": json.dumps(m["phases"]), **readers.summary()}
            if method == "geoswap" and m.get("load_s"):
                row["load_rows_per_s"] = round(m["rows"] / m["load_s"]) if m["load_s"] > 0 else None
                row["copy_rows_per_s"] = round(copy_rows_per_s)
            fp = fingerprint(conn, workload, rel)
            row["same_result"] = same(reference, fp, WORKLOADS[workload]["exact"])
            if not row["same_result"]:
                log(f"{workload} {method}: result differs: {fp} vs REFRESH's {reference}")
            log(f"{workload} at {size:,} run {run} {method}: {row['wall_s']} s, PostgreSQL CPU {row['pg_cpu_s']} s, "
                f"reader max {row['reader_max_ms']} ms, errors {row['reader_errors']}, empty {row['reader_empty']}")
            results.append(row)
    conn.close()
    return results


# --- ratios, tables, chart ------------------------------------------------------------------------------------

def add_ratios(rows: list[dict]) -> None:
    """Each row against the median REFRESH of the same workload and size, in this run."""
    for key in {(r["workload"], r["size"]) for r in rows}:
        group = [r for r in rows if (r["workload"], r["size"]) == key]
        ref = [r for r in group if r["method"] == "refresh"]
        if not ref:
            continue
        wall = statistics.median(r["wall_s"] for r in ref)
        cpu = statistics.median(r["pg_cpu_s"] + r["jvm_cpu_s"] for r in ref)
        pg_cpu = statistics.median(r["pg_cpu_s"] for r in ref)
        stall = statistics.median(r["reader_max_ms"] for r in ref)
        for r in group:
            r["ratio_wall"] = round(r["wall_s"] / wall, 3) if wall else None
            r["ratio_pg_cpu"] = round(r["pg_cpu_s"] / pg_cpu, 3) if pg_cpu else None
            r["ratio_total_cpu"] = round((r["pg_cpu_s"] + r["jvm_cpu_s"]) / cpu, 3) if cpu else None
            r["ratio_reader_max"] = round(r["reader_max_ms"] / stall, 4) if stall else None
            if r.get("load_rows_per_s") and r.get("copy_rows_per_s"):
                r["ratio_load_vs_copy"] = round(r["load_rows_per_s"] / r["copy_rows_per_s"], 3)


COLUMNS = ["workload", "size", "method", "run", "wall_s", "ratio_wall", "pg_cpu_s", "ratio_pg_cpu", "jvm_cpu_s",
           "ratio_total_cpu", "jvm_peak_rss_mb", "reader_max_ms", "ratio_reader_max", "reader_p99_ms",
           "reader_errors", "reader_empty", "reader_queries", "load_rows_per_s", "copy_rows_per_s",
           "ratio_load_vs_copy", "same_result", "phases", "reader_first_error"]


def write_outputs(rows: list[dict], out: Path, scale: str, machine: dict) -> tuple[Path, Path, Path | None]:
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path, png_path = out / f"bench-{scale}.csv", out / f"bench-{scale}.md", out / f"bench-{scale}.png"
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    head = ["workload", "size", "method", "wall s", "× REFRESH", "PG CPU s", "× REFRESH", "JVM CPU s",
            "total CPU × REFRESH", "JVM peak RSS MB", "reader max ms", "× REFRESH", "reader p99 ms", "errors",
            "empty", "same result"]
    lines = [f"# geoswap benchmark ({scale})", "",
             f"Machine: {machine['cpus']} CPUs, {machine['memory_gib']} GiB, {machine['system']}; "
             f"PostgreSQL {machine['postgres']}; {machine['when']}.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(str(x) for x in [
            r["workload"], f"{r['size']:,}", r["method"], r["wall_s"], r.get("ratio_wall"), r["pg_cpu_s"],
            r.get("ratio_pg_cpu"), r["jvm_cpu_s"], r.get("ratio_total_cpu"), r["jvm_peak_rss_mb"] or "",
            r["reader_max_ms"], r.get("ratio_reader_max"), r["reader_p99_ms"], r["reader_errors"], r["reader_empty"],
            "yes" if r["same_result"] else "**NO**"]) + " |")
    lines += ["", "Phases (seconds):", ""]
    for r in rows:
        lines.append(f"- {r['workload']} {r['size']:,} {r['method']} run {r['run']}: {r['phases']}")
    load = [r for r in rows if r.get("ratio_load_vs_copy")]
    if load:
        lines += ["", "Load throughput (geoswap's COPY from Spark vs. a plain psql COPY of the same rows):", ""]
        for r in load:
            lines.append(f"- {r['workload']} {r['size']:,} run {r['run']}: {r['load_rows_per_s']:,} vs "
                         f"{r['copy_rows_per_s']:,} rows/s (× {r['ratio_load_vs_copy']})")
    md_path.write_text("\n".join(lines) + "\n")
    try:
        chart(rows, png_path, scale)
    except ImportError:
        png_path = None
    return csv_path, md_path, png_path


def chart(rows: list[dict], path: Path, scale: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted({(r["workload"], r["size"]) for r in rows}, key=lambda k: (k[0], k[1]))
    colors = {"refresh": "#c44e52", "concurrently": "#dd8452", "ctas": "#8c8c8c", "geoswap": "#4c72b0"}
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    metrics = [("wall_s", "wall seconds (lower is better)"), ("pg_cpu_s", "PostgreSQL CPU seconds"),
               ("reader_max_ms", "readers' worst query, ms (log)")]
    width = 0.8 / len(METHODS)
    for ax, (metric, title) in zip(axes, metrics):
        for i, method in enumerate(METHODS):
            vals = []
            for g in groups:
                v = [r[metric] for r in rows if (r["workload"], r["size"]) == g and r["method"] == method]
                vals.append(statistics.median(v) if v else 0)
            xs = [j + (i - (len(METHODS) - 1) / 2) * width for j in range(len(groups))]
            bars = ax.bar(xs, vals, width, label=method, color=colors[method])
            for b, v in zip(bars, vals):
                ax.annotate(f"{v:.0f}" if v >= 10 else f"{v:.1f}", (b.get_x() + b.get_width() / 2, b.get_height()),
                            ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(groups)), [f"{w}\n{s:,}" for w, s in groups], fontsize=8)
        ax.set_title(title)
        if metric == "reader_max_ms":
            ax.set_yscale("log")
    axes[0].legend()
    fig.suptitle(f"geoswap vs REFRESH MATERIALIZED VIEW — same data, same machine, one run ({scale})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def machine() -> dict:
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    with psycopg.connect() as c:
        pg = c.execute("SHOW server_version").fetchone()[0]
    return {"cpus": os.cpu_count(), "memory_gib": round(mem / 1024 / 1024), "system": platform.platform(),
            "postgres": pg, "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--only", help="workload:size[,workload:size…] instead of the scale's list")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--jvm-flag", action="append", default=[], help="extra flag for the job's JVM (repeatable)")
    ap.add_argument("--out", default=str(ROOT / "bench/results"))
    a = ap.parse_args()
    work = ([(w.split(":")[0], int(w.split(":")[1])) for w in a.only.split(",")] if a.only else SCALES[a.scale])
    methods = [m for m in a.methods.split(",") if m]
    java = Java(a.jvm_flag)
    rows = []
    for workload, size in work:
        rows += bench_workload(workload, size, a.repeats, java, methods)
    add_ratios(rows)
    name = a.scale if not a.only else "custom"
    csv_path, md_path, png_path = write_outputs(rows, Path(a.out), name, machine())
    print(md_path.read_text())
    log(f"wrote {csv_path}, {md_path}" + (f", {png_path}" if png_path else ""))
    # The harness's own checks (not speed): every method produced REFRESH's result, and every number is there.
    problems = [f"{r['workload']} {r['size']} {r['method']}: result differs from REFRESH's" for r in rows
                if not r["same_result"]]
    problems += [f"{r['workload']} {r['size']} {r['method']}: missing {k}" for r in rows
                 for k in ("wall_s", "pg_cpu_s", "reader_max_ms", "reader_p99_ms", "ratio_wall")
                 if r.get(k) is None]
    problems += [f"{r['workload']} {r['size']} geoswap: no JVM CPU/RSS measured" for r in rows
                 if r["method"] == "geoswap" and not (r["jvm_cpu_s"] > 0 and r["jvm_peak_rss_mb"] > 0)]
    problems += [f"{r['workload']} {r['size']} {r['method']}: readers saw {r['reader_errors']} errors"
                 f" ({r['reader_first_error']})" for r in rows if r["reader_errors"]]
    for p in problems:
        log("FAILED: " + p)
    checked = len(rows)
    failed = len({p.split(":")[0] for p in problems})
    print(f"bench: {checked - failed} passed, {failed} failed", file=sys.stderr, flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
