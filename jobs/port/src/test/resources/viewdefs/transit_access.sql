 WITH latest AS (
         SELECT DISTINCT ON (i.stop_id) i.stop_id,
            i.score,
            i.inspected_at
           FROM inspections i
          ORDER BY i.stop_id, i.inspected_at DESC, i.id
        ), hub_lines AS (
         SELECT h.id AS hub_id,
            h.name AS hub_name,
            h.geom,
            count(*) AS routes,
            count(*) FILTER (WHERE r.kind = 'tram'::text) AS trams,
            sum(st_length(r.geom::geography)) AS route_m,
            string_agg(r.name, ','::text ORDER BY r.name) AS route_names,
            (array_agg(r.name ORDER BY r.opened DESC NULLS LAST))[1] AS newest_route
           FROM hubs h
             JOIN routes r ON r.hub_id = h.id
          GROUP BY h.id
        ), nearest AS (
         SELECT DISTINCT ON (s.id) s.id,
            s.kind,
            s.capacity,
            s.opened,
            s.geom,
            hl.hub_id,
            hl.hub_name,
            hl.routes,
            hl.trams,
            hl.route_m,
            hl.route_names,
            hl.newest_route,
            st_distance(s.geom::geography, hl.geom::geography) AS hub_m
           FROM stops s
             JOIN hub_lines hl ON st_dwithin(s.geom::geography, hl.geom::geography, 3000::double precision)
          ORDER BY s.id, (s.geom <-> hl.geom), hl.hub_id
        ), stop_facts AS (
         SELECT n.id,
            n.kind,
            n.geom,
            n.hub_m,
            n.route_m,
            n.trams,
            NULLIF(n.capacity, 0)::bigint AS capacity,
            COALESCE(l.score, 0) AS score,
                CASE
                    WHEN l.score IS NULL THEN 'unknown'::text
                    WHEN l.score >= 50 THEN 'good'::text
                    ELSE 'poor'::text
                END AS condition,
            date_trunc('month'::text, n.opened::timestamp without time zone)::date AS opened_month,
            EXTRACT(year FROM l.inspected_at) AS inspected_year,
            (n.hub_id::text || ':'::text) || n.newest_route AS hub_route,
            n.route_names
           FROM nearest n
             LEFT JOIN latest l ON l.stop_id = n.id
        )
 SELECT d.ward_id,
    d.name,
    st_area(st_transform(d.geom, 3035)) AS area_m2,
    count(sf.id) AS stops,
    count(DISTINCT sf.kind) AS kinds,
    sum(sf.capacity) AS capacity,
    avg(sf.score::numeric) AS avg_score,
    min(sf.hub_m) AS nearest_hub_m,
    max(sf.route_m) AS longest_routes_m,
    sum(sf.trams) AS trams,
    count(DISTINCT sf.condition) AS conditions,
    max(sf.opened_month) AS newest_stop_month,
    min(sf.inspected_year) AS first_inspected_year,
    max(sf.hub_route) AS last_hub_route,
    min(sf.route_names) AS first_route_names,
    st_area(st_transform(st_union(st_buffer(sf.geom, 0.002::double precision)), 3035)) AS covered_m2,
    st_area(st_transform(st_convexhull(st_collect(sf.geom)), 3035)) AS hull_m2,
    d.geom
   FROM wards d
     LEFT JOIN stop_facts sf ON d.geom && sf.geom AND d.geom ~ sf.geom AND st_contains(d.geom, sf.geom)
  GROUP BY d.ward_id;
