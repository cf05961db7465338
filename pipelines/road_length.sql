-- Sedona SQL: road length per district, a result without geometry. PostgreSQL's spatial LEFT JOIN is not
-- planned as a spatial join in Sedona (FIELD-NOTES, "Porting PostGIS views"): an inner spatial join and
-- the aggregate, then an equi LEFT JOIN on the key, coalesce for counts and sums (lanes keeps NULL where
-- the view has it: sum over no rows).
WITH per_district AS (
  SELECT /*+ BROADCAST(d) */ d.district_id,
         count(r.id) AS roads,
         sum(ST_Length(ST_Intersection(r.geom, d.geom))) AS length_m,
         count(DISTINCT r.class) AS classes,
         sum(r.lanes) AS lanes
  FROM districts d JOIN roads r ON ST_Intersects(d.geom, r.geom)
  GROUP BY d.district_id
)
SELECT d.district_id, d.name,
       coalesce(p.roads, 0) AS roads,
       coalesce(p.length_m, 0D) AS length_m,
       coalesce(p.classes, 0) AS classes,
       p.lanes
FROM districts d LEFT JOIN per_district p ON p.district_id = d.district_id
