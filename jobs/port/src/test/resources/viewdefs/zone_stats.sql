 SELECT z.zone_id,
    z.name,
    count(e.id) AS events,
    COALESCE(sum(e.value), 0::double precision) AS total_value,
    avg(e.value) AS avg_value,
    count(DISTINCT e.category) AS categories,
    z.geom
   FROM zones z
     LEFT JOIN events e ON st_contains(z.geom, e.geom) AND e.ts < '2026-09-01 00:00:00+00'::timestamp with time zone
  GROUP BY z.zone_id;
