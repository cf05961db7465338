-- The materialized view geoswap's road_length pipeline replaces: statistics per district, no geometry.
-- Districts without roads are kept (the LEFT JOIN), with zeros; lanes stays NULL there.
DROP MATERIALIZED VIEW IF EXISTS public.mv_road_length;
CREATE MATERIALIZED VIEW public.mv_road_length AS
SELECT d.district_id,
       d.name,
       count(r.id) AS roads,
       coalesce(sum(ST_Length(ST_Intersection(r.geom, d.geom))), 0) AS length_m,
       count(DISTINCT r.class) AS classes,
       sum(r.lanes) AS lanes
FROM public.districts d
LEFT JOIN public.roads r ON ST_Intersects(d.geom, r.geom)
GROUP BY d.district_id, d.name;
CREATE UNIQUE INDEX mv_road_length_key ON public.mv_road_length (district_id);
