"""The ways to publish a workload's result, registered by name in the order the tables and chart show them:
  refresh       REFRESH MATERIALIZED VIEW
  concurrently  REFRESH MATERIALIZED VIEW CONCURRENTLY (the view has its unique index)
  ctas          CREATE TABLE AS + indexes + CREATE OR REPLACE VIEW (the dbt-style swap), in PostgreSQL
  geoswap       the extract-transform job (fresh JVM, local Spark), validate, promote
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .jvm import Java, run_java
from .workloads import Workload

if TYPE_CHECKING:
    import psycopg

STAMP = int(time.time())


@dataclass
class Ctx:
    """One workload at one size, as every method publishes it."""
    workload: Workload
    size: int
    conn: psycopg.Connection
    java: Java
    cutoff: str | None
    select: str  # the materialized view's query, for the CTAS method
    ctas_previous: str | None = None  # the table the CTAS method's view reads, dropped after the next swap


@dataclass(frozen=True)
class Published:
    """What one method measured itself (the harness adds PostgreSQL's CPU and the readers')."""
    wall_s: float
    phases: dict[str, float | None]
    jvm_cpu_s: float = 0.0
    jvm_peak_rss_mb: float = 0.0
    rows: int | None = None  # rows loaded, with the load's seconds: for the load throughput
    load_s: float | None = None


@dataclass(frozen=True)
class Method:
    name: str
    relation_pattern: str  # the relation readers query, {workload} the workload's name
    publish: Callable[[Ctx, int], Published] = field(repr=False)  # (ctx, run number); run 0 is unmeasured

    def relation(self, workload: str) -> str:
        return self.relation_pattern.format(workload=workload)


METHODS: dict[str, Method] = {}


def method(name: str, relation: str):
    """Registers the decorated function as the method `name`, whose readers query `relation`."""
    def register(publish: Callable[[Ctx, int], Published]) -> Callable[[Ctx, int], Published]:
        if name in METHODS:
            raise ValueError(f"method {name!r} registered twice")
        METHODS[name] = Method(name, relation, publish)
        return publish
    return register


def named(names: Iterable[str]) -> list[Method]:
    """The methods of these names, in the order given."""
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)} (known: {', '.join(METHODS)})")
    return [METHODS[n] for n in names]


def _refresh(ctx: Ctx, concurrently: bool) -> Published:
    t0 = time.perf_counter()
    ctx.conn.execute(f"REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if concurrently else ''}{ctx.workload.materialized_view}")
    return Published(time.perf_counter() - t0, {"refresh": round(time.perf_counter() - t0, 3)})


@method("refresh", relation="public.mv_{workload}")
def refresh(ctx: Ctx, run: int) -> Published:
    return _refresh(ctx, concurrently=False)


@method("concurrently", relation="public.mv_{workload}")
def concurrently(ctx: Ctx, run: int) -> Published:
    return _refresh(ctx, concurrently=True)


@method("ctas", relation="public.bench_vw_{workload}")
def ctas(ctx: Ctx, run: int) -> Published:
    w, conn = ctx.workload.name, ctx.conn
    table = f"public.bench_ctas_{w}_{run}"
    t0 = time.perf_counter()
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} AS {ctx.select}")
    t1 = time.perf_counter()
    conn.execute(f"CREATE UNIQUE INDEX ON {table} ({ctx.workload.key})")
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
    return Published(t4 - t0, {"create": round(t1 - t0, 3), "index": round(t2 - t1, 3),
                               "swap": round(t3 - t2, 3), "drop": round(t4 - t3, 3)})


@method("geoswap", relation="public.vw_{workload}")
def geoswap(ctx: Ctx, run: int) -> Published:
    # Unique across bench runs: a version that was live is never rebuilt in place.
    version = f"b{STAMP}_{len(str(ctx.size))}{run}"
    spec = str(ctx.workload.spec)
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
    phases = {"jvm_start": round(job.wall - ph.get("total", 0), 3),
              **{k: ph.get(k) for k in ("registry", "plan", "extract", "transform", "load", "index")},
              "validate": round(val.wall, 3), "promote": round(pro.wall, 3)}
    return Published(wall, phases, jvm_cpu_s=job.cpu + val.cpu + pro.cpu,
                     jvm_peak_rss_mb=max(job.max_rss_mb, val.max_rss_mb, pro.max_rss_mb),
                     rows=job.last.get("rows"), load_s=ph.get("load"))
