"""The results: comparing each method's with REFRESH's, ratios, the harness's own checks, and the outputs."""
from __future__ import annotations

import csv
import statistics
from pathlib import Path

from .methods import METHODS

# JTS (Sedona) and GEOS (PostGIS) differ in the last bits of overlays; sums of floats in addition order.
FLOAT_TOLERANCE = 1e-6


def same(a: list, b: list, exact: int) -> bool:
    """Two fingerprints agree: the first `exact` values equal, the rest within FLOAT_TOLERANCE (relative)."""
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


def problems(rows: list[dict]) -> list[str]:
    """The harness's own checks (not speed): every method produced REFRESH's result, and every number is there."""
    found = [f"{r['workload']} {r['size']} {r['method']}: result differs from REFRESH's" for r in rows
             if not r["same_result"]]
    found += [f"{r['workload']} {r['size']} {r['method']}: missing {k}" for r in rows
              for k in ("wall_s", "pg_cpu_s", "reader_max_ms", "reader_p99_ms", "ratio_wall")
              if r.get(k) is None]
    found += [f"{r['workload']} {r['size']} geoswap: no JVM CPU/RSS measured" for r in rows
              if r["method"] == "geoswap" and not (r["jvm_cpu_s"] > 0 and r["jvm_peak_rss_mb"] > 0)]
    found += [f"{r['workload']} {r['size']} {r['method']}: readers saw {r['reader_errors']} errors"
              f" ({r['reader_first_error']})" for r in rows if r["reader_errors"]]
    return found


def failed_count(found: list[str]) -> int:
    """How many (workload, size, method) rows the problems are about."""
    return len({p.split(":")[0] for p in found})


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
    md_path.write_text(markdown(rows, scale, machine))
    try:
        chart(rows, png_path, scale)
    except ImportError:
        png_path = None
    return csv_path, md_path, png_path


def markdown(rows: list[dict], scale: str, machine: dict) -> str:
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
    return "\n".join(lines) + "\n"


def chart(rows: list[dict], path: Path, scale: str) -> list[str]:
    """Draws the chart; returns the methods drawn (those that ran), in legend order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Only the methods that ran (--methods): no legend entry and no 0.0 bars for the others.
    ran = {r["method"] for r in rows}
    methods = [m for m in METHODS if m in ran]
    groups = sorted({(r["workload"], r["size"]) for r in rows}, key=lambda k: (k[0], k[1]))
    colors = {"refresh": "#c44e52", "concurrently": "#dd8452", "ctas": "#8c8c8c", "geoswap": "#4c72b0"}
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    metrics = [("wall_s", "wall seconds (lower is better)"), ("pg_cpu_s", "PostgreSQL CPU seconds"),
               ("reader_max_ms", "readers' worst query, ms (log)")]
    width = 0.8 / len(methods)
    for ax, (metric, title) in zip(axes, metrics):
        for i, method in enumerate(methods):
            xs, vals = [], []
            for j, g in enumerate(groups):
                v = [r[metric] for r in rows if (r["workload"], r["size"]) == g and r["method"] == method]
                if v:  # a method left out of one group (--only) draws no bar there
                    xs.append(j + (i - (len(methods) - 1) / 2) * width)
                    vals.append(statistics.median(v))
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
    drawn = [t.get_text() for t in axes[0].get_legend().get_texts()]
    plt.close(fig)
    return drawn
