"""scaling's analysis and report over runs whose event log is the recorded fixture (no Spark, no database).

The runs are made up around one real event log: what is checked is the bookkeeping — which run predicts
which, that every N is predicted, that the report renders every column — not the numbers themselves.
"""
from pathlib import Path

import pytest

from geoswap_bench import eventlog
from geoswap_bench.scaling import EXECUTORS, analyse, report

FIXTURE = str(Path(__file__).parent / "data" / "zone_stats-local2.eventlog")


def run(name, rows, slots, partitions, wall, pg=1.0):
    return {"run": name, "rows": rows, "slots": slots, "partitions": partitions, "wall_s": wall, "driver_s": wall / 2,
            "tasks_s": wall / 2, "pg_cpu_s": pg, "jvm_cpu_s": 1.0, "start_s": 1.0, "plan": 0.1, "extract": 0.1,
            "transform": 0.1, "load": 0.1, "index": 0.1, "event_log": FIXTURE}


@pytest.fixture(scope="module")
def results():
    wall = eventlog.read(FIXTURE).app_ms / 1000 + 2
    return [run("local[2], most", 1_000_000, 2, 2, wall, pg=3.0), run("local[1], most", 1_000_000, 1, 1, wall * 1.2, pg=3.0),
            run("local[2], most", 1_000_000, 2, 2, wall + 5, pg=3.0), run("local[1], most", 1_000_000, 1, 1, wall, pg=3.0),
            run("local[2], few", 100_000, 2, 2, wall - 5, pg=1.2),
            run("standalone, 1 executor", 1_000_000, 1, 2, wall * 2, pg=3.0)]


def test_each_run_is_predicted_from_the_local2_run_just_before_it(results):
    a = analyse(results)
    assert [(c["run"], c["from"]) for c in a["checks"]] == [
        ("local[1], most", f"local[2], most ({results[0]['wall_s']} s)"),
        ("local[1], most", f"local[2], most ({results[2]['wall_s']} s)"),
        ("standalone, 1 executor", f"local[2], most ({results[2]['wall_s']} s)")]


def test_the_model_is_the_median_local2_run_and_the_few_rows_run_is_not_a_check(results):
    a = analyse(results)
    assert a["base_wall_s"] == results[0]["wall_s"]  # of two, the lower middle
    assert all("few" not in c["run"] for c in a["checks"])


def test_postgres_cpu_per_row_is_taken_over_the_run_at_a_few_rows(results):
    a = analyse(results)
    assert a["pg_cpu_us_per_row"] == pytest.approx((3.0 - 1.2) / 900_000 * 1e6, abs=1e-3)


def test_every_executor_count_is_predicted_and_more_executors_are_never_slower(results):
    ps = analyse(results)["predictions"]
    assert [p["executors"] for p in ps] == list(EXECUTORS)
    assert all(p["partitions_needed"] % p["slots"] == 0 for p in ps)
    for key in ("wall_s", "wall_cpu_s", "target_rows_wall_s", "target_rows_wall_cpu_s"):
        assert all(b[key] <= a[key] for a, b in zip(ps, ps[1:]))
    # A database with fewer cores can only hold the extract up.
    for p in ps:
        walls = [p["target_rows_wall_cpu_on_db_cores_s"][c] for c in sorted(p["target_rows_wall_cpu_on_db_cores_s"])]
        assert all(b <= a for a, b in zip(walls, walls[1:]))
        assert walls[-1] >= p["target_rows_wall_cpu_s"]


def test_the_report_shows_every_run_and_every_check(results):
    a = analyse(results)
    text = report(10, results, a)
    runs_table = text.split("## Runs")[1].split("## The model")[0]
    assert sum(line.startswith("| local") or line.startswith("| standalone") for line in runs_table.splitlines()) == len(results)
    checks_table = text.split("## Predicted against measured")[1].split("## Predicted for")[0]
    assert sum(line.startswith("| local") or line.startswith("| standalone") for line in checks_table.splitlines()) == 3


@pytest.mark.parametrize("content", [None, "not json", '{"events": 1}', '{"events": 1, "runs": [{"log": "/nope"}]}'])
def test_from_a_file_that_is_missing_or_not_an_earlier_run_is_one_error_line_and_exit_2(tmp_path, capsys, content):
    from geoswap_bench.scaling import main
    src = tmp_path / "scaling.json"
    if content is not None:
        src.write_text(content)
    out = tmp_path / "out"
    assert main(["--from", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"geoswap: error: --from {src}: not an earlier scaling.json")
    assert not out.exists()  # nothing written
