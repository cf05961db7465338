-- The materialized view geoswap's zone_stats pipeline replaces, with the events cut off at ${cutoff}
-- (the pipeline's logical date).
DROP MATERIALIZED VIEW IF EXISTS public.mv_zone_stats;
CREATE MATERIALIZED VIEW public.mv_zone_stats AS
SELECT z.zone_id,
       z.name,
       count(e.id)                            AS events,
       coalesce(sum(e.value), 0)              AS total_value,
       avg(e.value)                           AS avg_value,
       count(DISTINCT e.category)             AS categories,
       z.geom
FROM public.zones z
LEFT JOIN public.events e ON ST_Contains(z.geom, e.geom) AND e.ts < timestamptz '${cutoff}'
GROUP BY z.zone_id;
CREATE UNIQUE INDEX mv_zone_stats_key ON public.mv_zone_stats (zone_id);
