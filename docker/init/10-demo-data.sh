#!/bin/sh
# PostGIS container init (runs once on an empty data directory): the zone_stats demo data, made from
# examples/zone_stats/generate.sql with the values of its defaults.properties (what ./geoswap generate does).
set -eu
example="${GEOSWAP_EXAMPLES:-/geoswap/examples}/zone_stats"
sql="$(cat "$example/generate.sql")"
while IFS='=' read -r key value; do
  case "$key" in ''|'#'*) continue ;; esac
  sql="$(printf '%s' "$sql" | sed "s|\${$key}|$value|g")"
done < "$example/defaults.properties"
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "CREATE EXTENSION IF NOT EXISTS postgis"
printf '%s\n' "$sql" | psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"
