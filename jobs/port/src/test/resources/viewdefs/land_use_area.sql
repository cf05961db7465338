 WITH lu AS (
         SELECT land_use.season,
            land_use.land_type,
            st_makevalid(land_use.geom) AS geom
           FROM land_use
        )
 SELECT r.region_id,
    lu.season,
    lu.land_type,
    st_area(st_transform(st_union(st_intersection(lu.geom, r.geom)), 3035)) AS area_m2,
    r.geom
   FROM regions r
     JOIN lu ON st_intersects(r.geom, lu.geom)
  GROUP BY r.region_id, lu.season, lu.land_type;
