-- Test data for pipelines/road_length.yaml: ${districts_x} × ${districts_y} square districts of 10 km in
-- EPSG:3035 (metres) and ${roads} roads (polylines of three vertices, up to ~6 km long; some cross district
-- borders, some leave the grid, ~10% have no lane count). Roads cover the western 70% of the grid only, so
-- some districts have none (the LEFT JOIN case). Deterministic for a given ${seed}.
DROP MATERIALIZED VIEW IF EXISTS public.mv_road_length;
DROP TABLE IF EXISTS public.roads;
DROP TABLE IF EXISTS public.districts;

CREATE TABLE public.districts (
  district_id integer PRIMARY KEY,
  name        text NOT NULL,
  geom        geometry(Polygon, 3035) NOT NULL
);
INSERT INTO public.districts
SELECT i * ${districts_y} + j + 1,
       'district ' || i || '/' || j,
       ST_MakeEnvelope(4000000 + i * 10000, 3000000 + j * 10000, 4000000 + (i + 1) * 10000,
                       3000000 + (j + 1) * 10000, 3035)
FROM generate_series(0, ${districts_x} - 1) AS i, generate_series(0, ${districts_y} - 1) AS j;

SELECT setseed(${seed});
CREATE TABLE public.roads (
  id    bigint PRIMARY KEY,
  class text NOT NULL,
  lanes integer,
  geom  geometry(LineString, 3035) NOT NULL
);
INSERT INTO public.roads
SELECT g, (ARRAY['motorway', 'primary', 'secondary', 'residential'])[1 + floor(random() * 4)::int],
       CASE WHEN random() < 0.1 THEN NULL ELSE 1 + floor(random() * 4)::int END,
       ST_SetSRID(ST_MakeLine(ARRAY[ST_MakePoint(x, y), ST_MakePoint(x + dx1, y + dy1),
                                    ST_MakePoint(x + dx1 + dx2, y + dy1 + dy2)]), 3035)
FROM (
  SELECT g, 4000000 - 1000 + random() * (${districts_x} * 10000 * 0.7) AS x,
         3000000 - 1000 + random() * (${districts_y} * 10000 + 2000) AS y,
         random() * 6000 - 3000 AS dx1, random() * 6000 - 3000 AS dy1,
         random() * 2000 - 1000 AS dx2, random() * 2000 - 1000 AS dy2
  FROM generate_series(1, ${roads}) AS g
) AS p;
CREATE INDEX districts_geom_idx ON public.districts USING gist (geom);
CREATE INDEX roads_geom_idx ON public.roads USING gist (geom);
ANALYZE public.districts;
ANALYZE public.roads;
