-- The materialized view geoswap's land_use_area pipeline replaces.
DROP MATERIALIZED VIEW IF EXISTS public.mv_land_use_area;
CREATE MATERIALIZED VIEW public.mv_land_use_area AS
WITH lu AS (
  SELECT season, land_type, ST_MakeValid(geom) AS geom FROM public.land_use
)
SELECT r.region_id,
       lu.season,
       lu.land_type,
       ST_Area(ST_Transform(ST_Union(ST_Intersection(lu.geom, r.geom)), 3035)) AS area_m2,
       r.geom
FROM public.regions r
JOIN lu ON ST_Intersects(r.geom, lu.geom)
GROUP BY r.region_id, lu.season, lu.land_type;
CREATE UNIQUE INDEX mv_land_use_area_key ON public.mv_land_use_area (region_id, season, land_type);
