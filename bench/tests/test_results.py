"""The result comparison, the ratios against REFRESH, the harness's checks and the outputs' shape."""
import csv

import pytest

from geoswap_bench import results
from geoswap_bench.results import COLUMNS, FLOAT_TOLERANCE, add_ratios, failed_count, problems, same


def test_exact_values_must_be_equal():
    assert same([10.0, 5.0], [10.0, 5.0], exact=2)
    assert not same([10.0, 5.0], [11.0, 5.0], exact=1)


def test_the_rest_may_differ_within_the_relative_tolerance():
    big = 1e9
    assert same([1.0, big], [1.0, big * (1 + FLOAT_TOLERANCE / 2)], exact=1)
    assert not same([1.0, big], [1.0, big * (1 + FLOAT_TOLERANCE * 2)], exact=1)
    # Near zero the tolerance is absolute.
    assert same([1.0, 0.0], [1.0, FLOAT_TOLERANCE / 2], exact=1)


def test_a_missing_value_matches_only_a_missing_value():
    assert same([1.0, None], [1.0, None], exact=1)
    assert not same([1.0, None], [1.0, 0.0], exact=1)
    assert not same([1.0, 0.0], [1.0, None], exact=1)


def row(method, wall, pg=1.0, jvm=0.0, rss=0, reader_max=100.0, **more):
    return {"workload": "w", "size": 10, "method": method, "run": 1, "wall_s": wall, "pg_cpu_s": pg,
            "jvm_cpu_s": jvm, "jvm_peak_rss_mb": rss, "reader_max_ms": reader_max, "reader_p99_ms": 1.0,
            "reader_errors": 0, "reader_empty": 0, "reader_queries": 5, "reader_first_error": None,
            "same_result": True, "phases": "{}", **more}


def test_ratios_are_against_the_median_refresh_of_the_same_workload_and_size():
    rows = [row("refresh", 2.0), row("refresh", 4.0), row("refresh", 100.0),
            row("geoswap", 8.0, pg=0.5, jvm=3.5, rss=500, reader_max=10.0,
                load_rows_per_s=100, copy_rows_per_s=400)]
    add_ratios(rows)
    g = rows[-1]
    assert (g["ratio_wall"], g["ratio_pg_cpu"], g["ratio_total_cpu"], g["ratio_reader_max"]) == (2.0, 0.5, 4.0, 0.1)
    assert g["ratio_load_vs_copy"] == 0.25
    assert "ratio_load_vs_copy" not in rows[0]


def test_no_ratios_without_a_refresh():
    rows = [row("ctas", 1.0)]
    add_ratios(rows)
    assert "ratio_wall" not in rows[0]


def test_a_clean_run_has_no_problems():
    rows = [row("refresh", 1.0), row("geoswap", 5.0, jvm=2.0, rss=400)]
    add_ratios(rows)
    assert problems(rows) == []


def test_problems_name_the_row_and_what_is_wrong():
    rows = [row("refresh", 1.0), row("ctas", 1.0, same_result=False, reader_errors=2, reader_first_error="boom"),
            row("geoswap", 5.0)]
    add_ratios(rows)
    rows[0]["reader_p99_ms"] = None
    found = problems(rows)
    assert found == ["w 10 ctas: result differs from REFRESH's",
                     "w 10 refresh: missing reader_p99_ms",
                     "w 10 geoswap: no JVM CPU/RSS measured",
                     "w 10 ctas: readers saw 2 errors (boom)"]
    assert failed_count(found) == 3


def test_outputs_have_every_column_and_a_row_per_measurement(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "chart", lambda rows, path, scale: path.write_bytes(b""))
    rows = [row("refresh", 1.0), row("geoswap", 5.0, jvm=2.0, rss=400, same_result=False)]
    add_ratios(rows)
    machine = {"cpus": 2, "memory_gib": 8, "system": "Linux", "postgres": "15", "when": "now"}
    csv_path, md_path, png_path = results.write_outputs(rows, tmp_path, "small", machine)
    with open(csv_path) as f:
        read = list(csv.DictReader(f))
    assert list(read[0]) == COLUMNS
    assert [r["method"] for r in read] == ["refresh", "geoswap"]
    md = md_path.read_text()
    assert md.startswith("# geoswap benchmark (small)\n")
    assert "| w | 10 | geoswap | 5.0 | 5.0 |" in md and md.count("| yes |") == 1 and "| **NO** |" in md
    assert png_path == tmp_path / "bench-small.png"


@pytest.mark.parametrize("rss, shown", [(0, " |  | "), (613, " | 613 | ")])
def test_markdown_leaves_the_rss_of_methods_without_a_jvm_empty(rss, shown):
    md = results.markdown([row("refresh", 1.0, rss=rss)], "small",
                          {"cpus": 2, "memory_gib": 8, "system": "Linux", "postgres": "15", "when": "now"})
    assert shown + "100.0 |" in md


def test_the_chart_shows_only_the_methods_that_ran(tmp_path):
    rows = [{"workload": "zone_stats", "size": 1000, "method": m, "wall_s": w, "pg_cpu_s": w, "reader_max_ms": 5.0}
            for m, w in (("refresh", 2.0), ("geoswap", 1.0))]
    drawn = results.chart(rows, tmp_path / "c.png", "small")
    assert drawn == ["refresh", "geoswap"]  # no legend entry and no 0.0 bars for concurrently or ctas
    assert (tmp_path / "c.png").stat().st_size > 0
