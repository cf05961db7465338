"""The workloads: what data a method publishes a result from, how readers query it, how results compare."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import ROOT


@dataclass(frozen=True)
class Workload:
    name: str
    size_param: str  # the generator's parameter that sets the size
    key: str  # the result's unique key (the CTAS method indexes it)
    key_sql: str  # the keys the readers pick from
    read_sql: str  # one reader's query; {rel} is the relation read, %s a key
    fingerprint_sql: str  # sums over the result, compared between methods; {rel} is the relation
    exact: int  # the first `exact` fingerprint values must match exactly, the rest within results.FLOAT_TOLERANCE
    # A bench-only workload (not an example's pipeline): its own folder (spec and materialized view) and
    # the example whose generator makes its data.
    home: Path | None = None
    example: str | None = None

    @property
    def materialized_view(self) -> str:
        return f"public.mv_{self.name}"

    @property
    def view_dir(self) -> Path:
        """Where the workload's materialized_view.sql is."""
        return self.home or ROOT / "examples" / self.name

    @property
    def example_dir(self) -> Path:
        """The example whose generator makes the workload's data."""
        return ROOT / "examples" / (self.example or self.name)

    @property
    def generator_makes_view(self) -> bool:
        """An example's generator creates the example's own view; a bench-only workload's is created after."""
        return self.example is None

    @property
    def spec(self) -> Path:
        return self.home / f"{self.name}.yaml" if self.home else ROOT / "pipelines" / f"{self.name}.yaml"

    def default_cutoff(self) -> str | None:
        """The example's `cutoff` (its defaults.properties), the logical date its view and the job use."""
        defaults = (self.example_dir / "defaults.properties").read_text()
        return next((l.split("=", 1)[1].strip() for l in defaults.splitlines() if l.startswith("cutoff=")), None)


WORKLOADS: dict[str, Workload] = {w.name: w for w in [
    Workload(
        name="zone_stats",
        size_param="events",
        key="zone_id",
        key_sql="SELECT zone_id FROM public.zones",
        read_sql="SELECT events, avg_value FROM {rel} WHERE zone_id = %s",
        fingerprint_sql="SELECT count(*), sum(events), sum(categories), sum(total_value), sum(avg_value),"
                        " sum(ST_Area(geom)) FROM {rel}",
        exact=3,
    ),
    # A result as large as its source (every event with its zone): the load phase carries volume, so
    # load throughput can be set against a plain COPY. Its data is zone_stats'; spec and view in bench/.
    Workload(
        name="event_zones",
        size_param="events",
        key="id",
        key_sql="SELECT id FROM public.mv_event_zones ORDER BY id LIMIT 20000",
        read_sql="SELECT zone_id, value FROM {rel} WHERE id = %s",
        fingerprint_sql="SELECT count(*), sum(id), sum(zone_id), count(DISTINCT category), sum(value),"
                        " sum(extract(epoch FROM ts)), sum(ST_X(geom)) FROM {rel}",
        exact=4,
        home=ROOT / "bench/workloads/event_zones",
        example="zone_stats",
    ),
    Workload(
        name="land_use_area",
        size_param="polygons",
        key="region_id, season, land_type",
        key_sql="SELECT region_id FROM public.regions",
        read_sql="SELECT land_type, area_m2 FROM {rel} WHERE region_id = %s",
        fingerprint_sql="SELECT count(*), count(DISTINCT region_id), sum(area_m2), sum(ST_Area(geom)) FROM {rel}",
        exact=2,
    ),
]}

SCALES: dict[str, list[tuple[str, int]]] = {
    "small": [("zone_stats", 100_000), ("event_zones", 50_000), ("land_use_area", 5_000)],
    "medium": [("zone_stats", 1_000_000), ("event_zones", 1_000_000), ("land_use_area", 20_000)],
    "full": [("zone_stats", 1_000_000), ("zone_stats", 10_000_000), ("zone_stats", 30_000_000),
             ("event_zones", 1_000_000), ("land_use_area", 20_000), ("land_use_area", 100_000)],
}


def parse_only(text: str) -> list[tuple[str, int]]:
    """`workload:size[,workload:size…]` (bench --only) as (workload, size) pairs."""
    work = []
    for item in filter(None, text.split(",")):
        name, _, size = item.partition(":")
        if name not in WORKLOADS:
            raise ValueError(f"unknown workload {name!r} (known: {', '.join(WORKLOADS)})")
        try:
            work.append((name, int(size)))
        except ValueError:
            raise ValueError(f"{item!r}: expected workload:size, the size a whole number") from None
    return work
