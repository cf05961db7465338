"""The workload definitions: every scale names known workloads, and each workload's files are where it says."""
import pytest

from geoswap_bench import ROOT
from geoswap_bench.workloads import SCALES, WORKLOADS, parse_only


def test_every_scale_names_known_workloads_with_positive_sizes():
    for scale, work in SCALES.items():
        for name, size in work:
            assert name in WORKLOADS, (scale, name)
            assert size > 0


def test_workloads_are_keyed_by_their_own_name():
    assert all(w.name == name for name, w in WORKLOADS.items())


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_each_workload_has_its_view_spec_and_generator(name):
    w = WORKLOADS[name]
    assert (w.view_dir / "materialized_view.sql").is_file()
    assert w.materialized_view in (w.view_dir / "materialized_view.sql").read_text()
    assert w.spec.is_file()
    assert (w.example_dir / "generate.sql").is_file()
    assert (w.example_dir / "defaults.properties").is_file()


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_reader_and_fingerprint_queries_take_the_relation_and_the_exact_part_fits(name):
    w = WORKLOADS[name]
    assert "{rel}" in w.read_sql and "%s" in w.read_sql
    assert "{rel}" in w.fingerprint_sql
    columns = w.fingerprint_sql.split(" FROM {rel}")[0].count(",") + 1
    assert 1 <= w.exact < columns


def test_a_bench_only_workload_lives_in_bench_with_an_examples_data():
    w = WORKLOADS["event_zones"]
    assert w.view_dir == ROOT / "bench/workloads/event_zones"
    assert w.spec == ROOT / "bench/workloads/event_zones/event_zones.yaml"
    assert w.example_dir == ROOT / "examples/zone_stats"
    assert not w.generator_makes_view


def test_an_examples_workload_uses_its_example_and_pipeline():
    w = WORKLOADS["zone_stats"]
    assert w.view_dir == w.example_dir == ROOT / "examples/zone_stats"
    assert w.spec == ROOT / "pipelines/zone_stats.yaml"
    assert w.generator_makes_view


def test_the_cutoff_comes_from_the_examples_defaults():
    assert WORKLOADS["zone_stats"].default_cutoff() == "2026-09-01T00:00:00Z"
    assert WORKLOADS["event_zones"].default_cutoff() == "2026-09-01T00:00:00Z"  # zone_stats' data
    assert WORKLOADS["land_use_area"].default_cutoff() is None


def test_only_parses_workload_size_pairs():
    assert parse_only("zone_stats:1000,land_use_area:2_000") == [("zone_stats", 1000), ("land_use_area", 2000)]


@pytest.mark.parametrize("text, message", [("nope:10", "unknown workload 'nope'"),
                                           ("zone_stats", "expected workload:size"),
                                           ("zone_stats:many", "expected workload:size")])
def test_only_rejects_unknown_workloads_and_missing_sizes(text, message):
    with pytest.raises(ValueError, match=message):
        parse_only(text)
