-- The materialized view of the transit_access example: one view that uses every construct
-- `geoswap init --from-matview` ports (issue 13), each where a real view would use it. Per ward:
-- its stops (a spatial LEFT JOIN: wards without stops are kept, with zero counts), their nearest
-- hub (DISTINCT ON … ORDER BY <->, within 3 km on the spheroid), that hub's routes, each stop's latest
-- inspection, and areas in EPSG:3035.
DROP MATERIALIZED VIEW IF EXISTS public.mv_transit_access;
CREATE MATERIALIZED VIEW public.mv_transit_access AS
WITH latest AS (
  -- each stop's latest inspection (ties on the day: the lowest id)
  SELECT DISTINCT ON (i.stop_id) i.stop_id, i.score, i.inspected_at
  FROM public.inspections i
  ORDER BY i.stop_id, i.inspected_at DESC, i.id
), hub_lines AS (
  -- per hub (grouped by its primary key, its name and point selected): its routes
  SELECT h.id AS hub_id,
         h.name AS hub_name,
         h.geom,
         count(*) AS routes,
         count(*) FILTER (WHERE r.kind = 'tram') AS trams,
         sum(ST_Length(r.geom::geography)) AS route_m,
         string_agg(r.name, ',' ORDER BY r.name) AS route_names,
         (array_agg(r.name ORDER BY r.opened DESC NULLS LAST))[1] AS newest_route
  FROM public.hubs h
  JOIN public.routes r ON r.hub_id = h.id
  GROUP BY h.id
), nearest AS (
  -- each stop's nearest hub within 3 km
  SELECT DISTINCT ON (s.id) s.id, s.kind, s.capacity, s.opened, s.geom,
         hl.hub_id, hl.hub_name, hl.routes, hl.trams, hl.route_m, hl.route_names, hl.newest_route,
         ST_Distance(s.geom::geography, hl.geom::geography) AS hub_m
  FROM public.stops s
  JOIN hub_lines hl ON ST_DWithin(s.geom::geography, hl.geom::geography, 3000)
  ORDER BY s.id, s.geom <-> hl.geom, hl.hub_id
), stop_facts AS (
  SELECT n.id, n.kind, n.geom, n.hub_m, n.route_m, n.trams,
         NULLIF(n.capacity, 0)::bigint AS capacity,
         coalesce(l.score, 0) AS score,
         CASE WHEN l.score IS NULL THEN 'unknown' WHEN l.score >= 50 THEN 'good' ELSE 'poor' END AS condition,
         date_trunc('month', n.opened::timestamp)::date AS opened_month,
         EXTRACT(year FROM l.inspected_at) AS inspected_year,
         n.hub_id::text || ':' || n.newest_route AS hub_route,
         n.route_names
  FROM nearest n
  LEFT JOIN latest l ON l.stop_id = n.id
)
SELECT d.ward_id,
       d.name,
       ST_Area(ST_Transform(d.geom, 3035)) AS area_m2,
       count(sf.id) AS stops,
       count(DISTINCT sf.kind) AS kinds,
       sum(sf.capacity) AS capacity,
       avg(sf.score::numeric) AS avg_score,
       min(sf.hub_m) AS nearest_hub_m,
       max(sf.route_m) AS longest_routes_m,
       sum(sf.trams) AS trams,
       count(DISTINCT sf.condition) AS conditions,
       max(sf.opened_month) AS newest_stop_month,
       min(sf.inspected_year) AS first_inspected_year,
       max(sf.hub_route) AS last_hub_route,
       min(sf.route_names) AS first_route_names,
       ST_Area(ST_Transform(ST_Union(ST_Buffer(sf.geom, 0.002)), 3035)) AS covered_m2,
       ST_Area(ST_Transform(ST_ConvexHull(ST_Collect(sf.geom)), 3035)) AS hull_m2,
       d.geom
FROM public.wards d
LEFT JOIN stop_facts sf ON d.geom && sf.geom AND d.geom ~ sf.geom AND ST_Contains(d.geom, sf.geom)
GROUP BY d.ward_id;
CREATE UNIQUE INDEX mv_transit_access_key ON public.mv_transit_access (ward_id);
