"""What a method costs PostgreSQL and its readers: the cluster's CPU from /proc, and readers' latency."""
from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

CLK_TCK = os.sysconf("SC_CLK_TCK")
READERS = 4
THINK_S = 0.05


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
