-- Test data for the transit_access example (issue 13: a view that uses every construct `geoswap init`
-- ports): a grid of ${wards_x} × ${wards_y} wards (~1.1 km squares at 50°N), ${hubs} transit
-- hubs each with a few routes, ${stops} stops and ${inspections} stop inspections. Stops cover only the
-- western 80% of the grid, so some wards have none (the LEFT JOIN case); ~10% of capacities and
-- inspection scores are NULL and some capacities 0 (NULLIF). Route names are lower case letters and
-- digits, which every collation sorts the same way (string_agg … ORDER BY); a hub's first route always has
-- an opening date (the newest route is then never a tie among NULLs). Deterministic for a given
-- ${seed}.
DROP MATERIALIZED VIEW IF EXISTS public.mv_transit_access;
DROP TABLE IF EXISTS public.inspections;
DROP TABLE IF EXISTS public.stops;
DROP TABLE IF EXISTS public.routes;
DROP TABLE IF EXISTS public.hubs;
DROP TABLE IF EXISTS public.wards;

CREATE TABLE public.wards (
  ward_id integer PRIMARY KEY,
  name        text NOT NULL,
  geom        geometry(Polygon, 4326) NOT NULL
);
INSERT INTO public.wards
SELECT i * ${wards_y} + j + 1,
       'ward ' || i || '/' || j,
       ST_MakeEnvelope(13 + i * 0.015, 50 + j * 0.01, 13 + (i + 1) * 0.015, 50 + (j + 1) * 0.01, 4326)
FROM generate_series(0, ${wards_x} - 1) AS i, generate_series(0, ${wards_y} - 1) AS j;
CREATE INDEX wards_geom_idx ON public.wards USING gist (geom);

SELECT setseed(${seed});
CREATE TABLE public.hubs (
  id   integer PRIMARY KEY,
  name text NOT NULL,
  geom geometry(Point, 4326) NOT NULL
);
INSERT INTO public.hubs
SELECT g, 'hub' || lpad(g::text, 3, '0'),
       ST_SetSRID(ST_MakePoint(13 + random() * ${wards_x} * 0.015, 50 + random() * ${wards_y} * 0.01), 4326)
FROM generate_series(1, ${hubs}) AS g;
CREATE INDEX hubs_geom_idx ON public.hubs USING gist (geom);

-- One to four routes per hub: a line from the hub out and back in a random direction.
CREATE TABLE public.routes (
  id     bigint PRIMARY KEY,
  hub_id integer NOT NULL REFERENCES public.hubs (id),
  name   text NOT NULL,
  kind   text NOT NULL,
  opened date,
  geom   geometry(LineString, 4326) NOT NULL
);
INSERT INTO public.routes
SELECT row_number() OVER (ORDER BY h.id, k), h.id, 'r' || lpad((h.id * 10 + k)::text, 4, '0'),
       CASE WHEN random() < 0.3 THEN 'tram' ELSE 'bus' END,
       CASE WHEN k > 1 AND random() < 0.2 THEN NULL ELSE date '2000-01-01' + (random() * 9000)::int END,
       ST_MakeLine(ARRAY[h.geom,
         ST_SetSRID(ST_MakePoint(ST_X(h.geom) + (random() - 0.5) * 0.06, ST_Y(h.geom) + (random() - 0.5) * 0.04), 4326),
         ST_SetSRID(ST_MakePoint(ST_X(h.geom) + (random() - 0.5) * 0.06, ST_Y(h.geom) + (random() - 0.5) * 0.04), 4326)])
FROM public.hubs h, generate_series(1, 4) AS k
WHERE k = 1 OR random() < 0.5;

CREATE TABLE public.stops (
  id       bigint PRIMARY KEY,
  kind     text NOT NULL,
  capacity integer,
  opened   date NOT NULL,
  geom     geometry(Point, 4326) NOT NULL
);
INSERT INTO public.stops
SELECT g,
       CASE WHEN random() < 0.6 THEN 'bus' WHEN random() < 0.7 THEN 'tram' ELSE 'rail' END,
       CASE WHEN random() < 0.1 THEN NULL WHEN random() < 0.1 THEN 0 ELSE 10 + (random() * 190)::int END,
       date '1990-01-01' + (random() * 12000)::int,
       ST_SetSRID(ST_MakePoint(13 + random() * ${wards_x} * 0.015 * 0.8, 50 + random() * ${wards_y} * 0.01), 4326)
FROM generate_series(1, ${stops}) AS g;
CREATE INDEX stops_geom_idx ON public.stops USING gist (geom);

CREATE TABLE public.inspections (
  id           bigint PRIMARY KEY,
  stop_id      bigint NOT NULL,
  inspected_at timestamptz NOT NULL,
  score        integer
);
INSERT INTO public.inspections
SELECT g, 1 + (random() * (${stops} - 1))::bigint,
       timestamptz '2025-01-01 00:00:00+00' + (random() * 600)::int * interval '1 day',
       CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 100)::int END
FROM generate_series(1, ${inspections}) AS g;
ANALYZE public.wards;
ANALYZE public.hubs;
ANALYZE public.routes;
ANALYZE public.stops;
ANALYZE public.inspections;
