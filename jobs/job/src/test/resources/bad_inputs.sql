-- Small fixtures for BadInputIT: good zones and events, and one broken variant per bad input.
CREATE TABLE zones (zone_id integer PRIMARY KEY, name text NOT NULL, geom geometry(Polygon, 4326));
INSERT INTO zones
SELECT i, 'zone ' || i, ST_MakeEnvelope(10 + i * 0.01, 50, 10 + (i + 1) * 0.01, 50.01, 4326)
FROM generate_series(1, 6) AS i;

CREATE TABLE events (id bigint PRIMARY KEY, category text NOT NULL, value double precision,
                     ts timestamptz NOT NULL, geom geometry(Point, 4326));
INSERT INTO events
SELECT g, 'c' || (g % 3), g, timestamptz '2026-01-01 00:00:00+00',
       ST_SetSRID(ST_MakePoint(10.01 + (g % 50) * 0.001, 50.005), 4326)
FROM generate_series(1, 100) AS g;

-- Two self-intersecting zones ("bowties").
CREATE TABLE bad_zones (LIKE zones INCLUDING ALL);
INSERT INTO bad_zones SELECT * FROM zones;
UPDATE bad_zones SET geom = ST_SetSRID(ST_GeomFromText(
  'POLYGON((' || (10 + zone_id * 0.01) || ' 50, ' || (10.01 + zone_id * 0.01) || ' 50.01, '
  || (10.01 + zone_id * 0.01) || ' 50, ' || (10 + zone_id * 0.01) || ' 50.01, ' || (10 + zone_id * 0.01) || ' 50))'), 4326)
WHERE zone_id IN (2, 5);

-- Events without a location.
CREATE TABLE null_events (LIKE events INCLUDING ALL);
INSERT INTO null_events SELECT * FROM events;
UPDATE null_events SET geom = NULL WHERE id IN (7, 8, 9);

-- Events in two coordinate systems (an unconstrained geometry column).
CREATE TABLE mixed_events (id bigint PRIMARY KEY, category text, value double precision, ts timestamptz, geom geometry);
INSERT INTO mixed_events SELECT id, category, value, ts, geom FROM events;
UPDATE mixed_events SET geom = ST_Transform(geom, 3857) WHERE id > 90;

CREATE TABLE empty_events (LIKE events INCLUDING ALL);

-- Zones with a duplicated key value in another column used as the result key.
CREATE TABLE dup_zones (zone_id integer PRIMARY KEY, name text NOT NULL, geom geometry(Polygon, 4326));
INSERT INTO dup_zones SELECT zone_id, 'same', geom FROM zones;
