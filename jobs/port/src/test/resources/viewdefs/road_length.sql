 SELECT d.district_id,
    d.name,
    count(r.id) AS roads,
    COALESCE(sum(st_length(st_intersection(r.geom, d.geom))), 0::double precision) AS length_m,
    count(DISTINCT r.class) AS classes,
    sum(r.lanes) AS lanes
   FROM districts d
     LEFT JOIN roads r ON st_intersects(d.geom, r.geom)
  GROUP BY d.district_id, d.name;
