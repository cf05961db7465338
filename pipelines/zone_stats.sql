-- Sedona SQL. Sedona plans its optimized spatial join only as an INNER join, so the LEFT JOIN of the
-- materialized view is built in two steps: aggregate the inner spatial join per zone, then join that
-- back to all zones on the key (zones without events get zeros).
-- The zones side is small: broadcast it (JDBC sources report no size, so Spark won't on its own).
WITH hits AS (
  SELECT /*+ BROADCAST(z) */ z.zone_id, e.value, e.category
  FROM zones z JOIN events e ON ST_Contains(z.geom, e.geom)
),
per_zone AS (
  SELECT zone_id,
         count(1)                 AS events,
         sum(value)               AS total_value,
         avg(value)               AS avg_value,
         count(DISTINCT category) AS categories
  FROM hits
  GROUP BY zone_id
)
SELECT z.zone_id,
       z.name,
       coalesce(p.events, 0)        AS events,
       coalesce(p.total_value, 0D)  AS total_value,
       p.avg_value,
       coalesce(p.categories, 0)    AS categories,
       z.geom
FROM zones z LEFT JOIN per_zone p ON p.zone_id = z.zone_id
