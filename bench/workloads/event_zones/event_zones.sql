-- Sedona SQL: each event with the zone that contains it; the zones side is small, so it is broadcast.
SELECT /*+ BROADCAST(z) */ e.id, e.category, e.value, e.ts, z.zone_id, e.geom
FROM zones z JOIN events e ON ST_Contains(z.geom, e.geom)
