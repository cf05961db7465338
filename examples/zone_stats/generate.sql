-- Test data for pipelines/zone_stats.yaml: a grid of ${zones_x} × ${zones_y} square zones and ${events}
-- random point events. Events cover only the western 80% of the grid, so some zones have none (the
-- LEFT JOIN case); ~5% of values are NULL (avg ignores them). Deterministic for a given ${seed}.
DROP MATERIALIZED VIEW IF EXISTS public.mv_zone_stats;
DROP TABLE IF EXISTS public.events;
DROP TABLE IF EXISTS public.zones;

CREATE TABLE public.zones (
  zone_id integer PRIMARY KEY,
  name    text NOT NULL,
  geom    geometry(Polygon, 4326) NOT NULL
);
INSERT INTO public.zones
SELECT i * ${zones_y} + j + 1,
       'zone ' || i || '/' || j,
       ST_MakeEnvelope(10 + i * 0.01, 50 + j * 0.01, 10 + (i + 1) * 0.01, 50 + (j + 1) * 0.01, 4326)
FROM generate_series(0, ${zones_x} - 1) AS i, generate_series(0, ${zones_y} - 1) AS j;
CREATE INDEX zones_geom_idx ON public.zones USING gist (geom);

SELECT setseed(${seed});
CREATE TABLE public.events (
  id       bigint PRIMARY KEY,
  category text NOT NULL,
  value    double precision,
  ts       timestamptz NOT NULL,
  geom     geometry(Point, 4326) NOT NULL
);
INSERT INTO public.events
SELECT g,
       'c' || floor(random() * 12)::int,
       CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 100)::numeric, 3)::float8 END,
       timestamptz '2026-01-01 00:00:00+00' + random() * interval '300 days',
       ST_SetSRID(ST_MakePoint(10 + random() * ${zones_x} * 0.01 * 0.8, 50 + random() * ${zones_y} * 0.01), 4326)
FROM generate_series(1, ${events}) AS g;
CREATE INDEX events_geom_idx ON public.events USING gist (geom);
ANALYZE public.zones;
ANALYZE public.events;
