-- Sedona SQL. Sources arrive made valid (on_invalid_geometry: make_valid), like ST_MakeValid in the view.
-- Regions are few: broadcast them (JDBC sources report no size, so Spark won't on its own).
-- ST_Union_Aggr drops the SRID, so the transform names both CRSs (Sedona's 3-argument ST_Transform).
WITH clipped AS (
  SELECT /*+ BROADCAST(r) */ r.region_id, l.season, l.land_type, ST_Intersection(l.geom, r.geom) AS part
  FROM regions r JOIN land_use l ON ST_Intersects(r.geom, l.geom)
),
per_group AS (
  SELECT region_id, season, land_type,
         ST_Area(ST_Transform(ST_Union_Aggr(part), 'EPSG:4326', 'EPSG:3035')) AS area_m2
  FROM clipped
  GROUP BY region_id, season, land_type
)
SELECT p.region_id, p.season, p.land_type, p.area_m2, r.geom
FROM per_group p JOIN regions r ON r.region_id = p.region_id
