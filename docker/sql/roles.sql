-- geoswap's least-privilege roles (README, "Security model"). Run once per database, as its owner or a
-- superuser, naming the schema the pipelines publish in:
--
--   psql -v ON_ERROR_STOP=1 -v target_schema=public -f docker/sql/roles.sql
--
-- then, per source table the specs read:   GRANT USAGE ON SCHEMA s TO geoswap_builder;
--                                          GRANT SELECT ON s.t TO geoswap_builder;
-- and give the two login roles passwords without putting them on a command line: `\password
-- geoswap_builder` in psql, or the secrets the tasks read (--db-secret-id). Idempotent: rerun it for
-- another target schema.
--
--   geoswap_builder    the extract-transform job: reads the sources, creates and owns the version tables
--                      and the registry (schema geoswap). It can't touch the view readers use.
--   geoswap_publisher  validate, promote, rollback, gc: owns the stable views; a member of the builder (to
--                      read, index and drop version tables and to write the registry); reads every
--                      session's snapshot horizon (pg_read_all_stats) for promote's snapshot guard.
--   geoswap_reader     clients: SELECT on the published views only (grant it to your users' roles).

SELECT 'CREATE ROLE geoswap_builder LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoswap_builder') \gexec
SELECT 'CREATE ROLE geoswap_publisher LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoswap_publisher') \gexec
SELECT 'CREATE ROLE geoswap_reader NOLOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoswap_reader') \gexec

-- Neither login role may create schemas, roles or databases, nor is either a superuser (the defaults of
-- CREATE ROLE, stated again for a role that existed before).
ALTER ROLE geoswap_builder NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
ALTER ROLE geoswap_publisher NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
GRANT geoswap_builder TO geoswap_publisher;
-- The snapshot guard reads backend_xmin of every session, which pg_stat_activity shows other roles only
-- with this (PostgreSQL docs, "28.2.3. pg_stat_activity"); without it promote can't see old snapshots.
GRANT pg_read_all_stats TO geoswap_publisher;

-- The registry: made by the first task that runs, owned by the builder whichever task that is.
SELECT 'CREATE SCHEMA geoswap AUTHORIZATION geoswap_builder' WHERE to_regnamespace('geoswap') IS NULL \gexec
ALTER SCHEMA geoswap OWNER TO geoswap_builder;
SELECT format('ALTER TABLE %s OWNER TO geoswap_builder', c.oid::regclass)
FROM pg_class c WHERE c.relnamespace = 'geoswap'::regnamespace AND c.relkind = 'r' \gexec

-- The target schema: the builder creates version tables there (the publisher, its member, the views);
-- readers may look up the views' names.
GRANT USAGE, CREATE ON SCHEMA :"target_schema" TO geoswap_builder;
GRANT USAGE ON SCHEMA :"target_schema" TO geoswap_reader;
-- Every view the publisher creates there is readable by geoswap_reader (version tables are not).
ALTER DEFAULT PRIVILEGES FOR ROLE geoswap_publisher IN SCHEMA :"target_schema"
  GRANT SELECT ON TABLES TO geoswap_reader;

-- A deployment that ran as another user until now: hand its published views to the publisher and its
-- version tables to the builder (the same objects, new owners; grants are kept).
SELECT to_regclass('geoswap.pipelines') IS NOT NULL AS has_registry \gset
\if :has_registry
SELECT format('ALTER VIEW %I.%I OWNER TO geoswap_publisher', p.view_schema, p.view_name)
FROM geoswap.pipelines p WHERE to_regclass(format('%I.%I', p.view_schema, p.view_name)) IS NOT NULL
  AND p.view_schema = :'target_schema' \gexec
SELECT format('ALTER TABLE %I.%I OWNER TO geoswap_builder', v.table_schema, v.table_name)
FROM geoswap.versions v WHERE to_regclass(format('%I.%I', v.table_schema, v.table_name)) IS NOT NULL
  AND v.table_schema = :'target_schema' \gexec
\endif
