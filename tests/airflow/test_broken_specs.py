"""One bad spec must not hide the others: each broken spec becomes a DAG of its own that fails with its problem,
named after its file; the good specs beside it load as usual and the DAG file has no import error."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest
from airflow.sdk.exceptions import AirflowFailException

from conftest import ROOT
from test_dags import dagbag, task_states

BROKEN = {
    # file: (content, what the error says)
    "bad_yaml.yaml": ("name: bad_yaml\ntarget: {view: vw_x\n", "not valid YAML"),
    "bad_schedule.yaml": ("name: bad_schedule\nschedule: '0 3 * *'\ntarget: {schema: public, view: vw_y}\n",
                          "columns"),  # croniter: "Exactly 5, 6 or 7 columns has to be specified …"
    "other_name.yaml": ("name: not_the_file\ntarget: {view: vw_z}\n", "must be not_the_file.yaml"),
    "no_view.yaml": ("name: no_view\ntarget: {schema: public}\n", "target.view is required"),
    "a_list.yaml": ("- name: a_list\n", "not a YAML mapping"),
}


@pytest.fixture
def pipelines(tmp_path):
    for f in ("zone_stats.yaml", "zone_stats.sql", "land_use_area.yaml", "land_use_area.sql"):
        shutil.copy(ROOT / "pipelines" / f, tmp_path / f)
    for name, (content, _) in BROKEN.items():
        (tmp_path / name).write_text(content)
    return tmp_path


def test_broken_specs_beside_good_ones_each_become_a_failing_dag_and_hide_nothing(pipelines):
    bag = dagbag(pipelines)
    assert bag.import_errors == {}, "no spec's problem is the whole file's"
    good = {"geoswap__zone_stats", "geoswap__zone_stats__ops", "geoswap__land_use_area", "geoswap__land_use_area__ops"}
    broken = {f"geoswap__{name.removesuffix('.yaml')}" for name in BROKEN}
    assert set(bag.dag_ids) == good | broken
    assert [t.task_id for t in bag.get_dag("geoswap__zone_stats").topological_sort()] == \
        ["extract_transform", "validate", "promote", "gc"]
    for name, (_, says) in BROKEN.items():
        dag = bag.get_dag(f"geoswap__{name.removesuffix('.yaml')}")
        assert "broken" in dag.tags
        assert dag.description.startswith(f"BROKEN SPEC: {name}: ") and says in dag.description, dag.description
        [task] = dag.tasks
        with pytest.raises(AirflowFailException, match=f"broken spec {name}: .*{says}"):
            task.python_callable(**task.op_kwargs)


def test_a_broken_spec_keeps_its_readable_schedule_so_it_fails_when_it_would_have_run(pipelines):
    (pipelines / "late.yaml").write_text("name: late\nschedule: '@daily'\ntarget: {schema: public}\n")
    bag = dagbag(pipelines)
    assert bag.get_dag("geoswap__late").schedule == "@daily"
    assert bag.get_dag("geoswap__bad_schedule").schedule is None  # its schedule is the problem


def test_a_run_of_a_broken_spec_fails_at_once(pipelines, monkeypatch):
    dag = dagbag(pipelines).get_dag("geoswap__bad_yaml")
    monkeypatch.setenv("GEOSWAP_PIPELINES_DIR", str(pipelines))  # dag.test() parses the folder again
    run = dag.test(logical_date=datetime(2026, 10, 3, tzinfo=timezone.utc))
    assert task_states(run) == {"spec_error": "failed"}
    [ti] = run.get_task_instances()
    assert ti.try_number == 1, "not retried: the spec must be fixed"
    assert run.state == "failed"
