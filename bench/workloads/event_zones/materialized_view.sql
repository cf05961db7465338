-- The materialized view the event_zones workload replaces, with the events cut off at ${cutoff}.
DROP MATERIALIZED VIEW IF EXISTS public.mv_event_zones;
CREATE MATERIALIZED VIEW public.mv_event_zones AS
SELECT e.id, e.category, e.value, e.ts, z.zone_id, e.geom
FROM public.events e
JOIN public.zones z ON ST_Contains(z.geom, e.geom)
WHERE e.ts < timestamptz '${cutoff}';
CREATE UNIQUE INDEX mv_event_zones_key ON public.mv_event_zones (id);
