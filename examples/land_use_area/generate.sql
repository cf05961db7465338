-- Test data for pipelines/land_use_area.yaml: ${regions_x} × ${regions_y} regions (0.1° squares, densified)
-- and ${polygons} land-use polygons (random 12-gons crossing region borders; ~3% self-intersecting
-- "bowties", which ST_MakeValid splits in two). Deterministic for a given ${seed}.
DROP MATERIALIZED VIEW IF EXISTS public.mv_land_use_area;
DROP TABLE IF EXISTS public.land_use;
DROP TABLE IF EXISTS public.regions;

CREATE TABLE public.regions (
  region_id integer PRIMARY KEY,
  name      text NOT NULL,
  geom      geometry(Polygon, 4326) NOT NULL
);
INSERT INTO public.regions
SELECT i * ${regions_y} + j + 1,
       'region ' || i || '/' || j,
       ST_Segmentize(ST_MakeEnvelope(10 + i * 0.1, 50 + j * 0.1, 10 + (i + 1) * 0.1, 50 + (j + 1) * 0.1, 4326), 0.02)
FROM generate_series(0, ${regions_x} - 1) AS i, generate_series(0, ${regions_y} - 1) AS j;

SELECT setseed(${seed});
CREATE TABLE public.land_use (
  id        bigint PRIMARY KEY,
  season    text NOT NULL,
  land_type text NOT NULL,
  geom      geometry(Polygon, 4326) NOT NULL
);
INSERT INTO public.land_use
SELECT g, (ARRAY['spring', 'summer', 'autumn', 'winter'])[1 + floor(random() * 4)::int],
       (ARRAY['forest', 'crop', 'urban', 'water', 'grass'])[1 + floor(random() * 5)::int],
       CASE WHEN random() < 0.03 THEN
         -- a bowtie: its ring crosses itself
         ST_SetSRID(ST_MakePolygon(ST_MakeLine(ARRAY[ST_MakePoint(x, y), ST_MakePoint(x + d, y + d),
           ST_MakePoint(x + d, y), ST_MakePoint(x, y + d), ST_MakePoint(x, y)])), 4326)
       ELSE
         ST_Buffer(ST_SetSRID(ST_MakePoint(x, y), 4326), d, 'quad_segs=3')
       END
FROM (
  SELECT g, 10 + random() * ${regions_x} * 0.1 AS x, 50 + random() * ${regions_y} * 0.1 AS y,
         0.002 + random() * 0.02 AS d
  FROM generate_series(1, ${polygons}) AS g
) AS p;
CREATE INDEX regions_geom_idx ON public.regions USING gist (geom);
CREATE INDEX land_use_geom_idx ON public.land_use USING gist (geom);
ANALYZE public.regions;
ANALYZE public.land_use;
