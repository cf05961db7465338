"""One workload at one size, end to end: its data and view, then each method in turn while readers query
the relation it publishes, with PostgreSQL's CPU measured and every result compared with REFRESH's."""
from __future__ import annotations

import json
import subprocess
import time

import psycopg

from . import log
from .jvm import Java
from .measuring import PgCpu, Readers
from .methods import METHODS, Ctx, Method
from .results import same
from .workloads import WORKLOADS, Workload


def view_select(conn: psycopg.Connection, workload: Workload) -> str:
    """The materialized view's query, as PostgreSQL holds it (the cutoff in place), for the CTAS method."""
    sql = conn.execute("SELECT pg_get_viewdef(%s::regclass)", (workload.materialized_view,)).fetchone()[0]
    return sql.strip().removesuffix(";")


def fingerprint(conn: psycopg.Connection, workload: Workload, rel: str) -> list:
    return [float(x) if x is not None else None
            for x in conn.execute(workload.fingerprint_sql.format(rel=rel)).fetchone()]


def copy_baseline(conn: psycopg.Connection, workload: Workload) -> float:
    """Rows per second of a plain COPY of the result rows into a fresh table (psql's COPY FROM STDIN)."""
    rel = workload.materialized_view
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


def generate(workload: Workload, size: int, java: Java, cutoff: str | None) -> float:
    """The workload's data (its example's generator) and its materialized view; seconds taken."""
    t0 = time.perf_counter()
    with psycopg.connect(autocommit=True) as c:  # views over the example's tables would block re-creating them
        for w in WORKLOADS.values():
            c.execute(f"DROP MATERIALIZED VIEW IF EXISTS {w.materialized_view}")
    own = workload.generator_makes_view
    subprocess.run(java.job + ["io.geoswap.job.tools.ExampleData", str(workload.example_dir),
                               f"{workload.size_param}={size}", *(["--materialized-view"] if own else [])],
                   check=True, stdout=subprocess.DEVNULL, env=java.env)
    if not own:
        sql = (workload.view_dir / "materialized_view.sql").read_text().replace("${cutoff}", cutoff or "")
        with psycopg.connect(autocommit=True) as c:
            c.execute(sql)
    return time.perf_counter() - t0


def clean_slate(workload: Workload) -> None:
    """No CTAS view or tables left from an earlier run."""
    with psycopg.connect(autocommit=True) as c:
        c.execute(f"DROP VIEW IF EXISTS public.bench_vw_{workload.name}")
        for (t,) in c.execute("SELECT oid::regclass::text FROM pg_class WHERE relkind = 'r' AND relname LIKE %s",
                              (f"bench\\_ctas\\_{workload.name}\\_%",)).fetchall():
            c.execute(f"DROP TABLE {t}")


def bench_workload(workload: Workload, size: int, repeats: int, java: Java, methods: list[Method]) -> list[dict]:
    name = workload.name
    clean_slate(workload)
    log(f"{name} at {size:,}: generating data and the materialized view")
    cutoff = workload.default_cutoff()
    gen_s = generate(workload, size, java, cutoff)
    conn = psycopg.connect(autocommit=True, application_name="geoswap-bench")
    conn.execute("VACUUM ANALYZE")
    ctx = Ctx(workload, size, conn, java, cutoff, view_select(conn, workload))
    keys = [r[0] for r in conn.execute(workload.key_sql).fetchall()]
    pg = PgCpu(conn)
    # Unmeasured: publish once with CTAS and geoswap so their views exist for the readers.
    METHODS["ctas"].publish(ctx, 0)
    METHODS["geoswap"].publish(ctx, 0)
    reference = fingerprint(conn, workload, METHODS["refresh"].relation(name))
    copy_rows_per_s = copy_baseline(conn, workload)
    log(f"{name} at {size:,}: generated in {gen_s:.1f} s; plain COPY of the result: {copy_rows_per_s:,.0f} rows/s")
    results = []
    for run in range(1, repeats + 1):
        for method in methods:
            rel = method.relation(name)
            with Readers(rel, workload.read_sql, keys) as readers:
                cpu0, rcpu0 = pg.total(), readers.cpu()
                m = method.publish(ctx, run)
                pg_cpu = (pg.total() - cpu0) - (readers.cpu() - rcpu0)
            row = {"workload": name, "size": size, "method": method.name, "run": run,
                   "wall_s": round(m.wall_s, 3), "pg_cpu_s": round(pg_cpu, 2),
                   "jvm_cpu_s": round(m.jvm_cpu_s, 2),
                   "jvm_peak_rss_mb": round(m.jvm_peak_rss_mb),
                   "phases": json.dumps(m.phases), **readers.summary()}
            if m.load_s:  # only geoswap measures its load
                row["load_rows_per_s"] = round(m.rows / m.load_s) if m.load_s > 0 else None
                row["copy_rows_per_s"] = round(copy_rows_per_s)
            fp = fingerprint(conn, workload, rel)
            row["same_result"] = same(reference, fp, workload.exact)
            if not row["same_result"]:
                log(f"{name} {method.name}: result differs: {fp} vs REFRESH's {reference}")
            log(f"{name} at {size:,} run {run} {method.name}: {row['wall_s']} s, PostgreSQL CPU {row['pg_cpu_s']} s, "
                f"reader max {row['reader_max_ms']} ms, errors {row['reader_errors']}, empty {row['reader_empty']}")
            results.append(row)
    conn.close()
    return results
