"""The method registry: the four methods by name, in the order the outputs show them, each with its relation."""
import pytest

from geoswap_bench import methods
from geoswap_bench.methods import METHODS, named


def test_the_methods_are_registered_in_the_order_the_tables_show_them():
    assert list(METHODS) == ["refresh", "concurrently", "ctas", "geoswap"]


@pytest.mark.parametrize("name, relation", [("refresh", "public.mv_zone_stats"),
                                            ("concurrently", "public.mv_zone_stats"),
                                            ("ctas", "public.bench_vw_zone_stats"),
                                            ("geoswap", "public.vw_zone_stats")])
def test_each_method_publishes_the_relation_readers_query(name, relation):
    assert METHODS[name].relation("zone_stats") == relation


def test_named_keeps_the_order_asked_for():
    assert [m.name for m in named(["geoswap", "refresh"])] == ["geoswap", "refresh"]


def test_named_rejects_unknown_methods_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown method.*matview.*known: refresh, concurrently, ctas, geoswap"):
        named(["refresh", "matview"])


def test_a_name_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        methods.method("refresh", relation="public.x_{workload}")(lambda ctx, run: None)
    assert METHODS["refresh"].relation("w") == "public.mv_w"
