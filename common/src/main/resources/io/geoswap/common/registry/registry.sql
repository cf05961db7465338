-- geoswap's version registry. Idempotent: run by a task that finds the registry missing or older than
-- REGISTRY_REVISION (VersionRegistry), under an advisory lock so two tasks starting at once don't race on
-- CREATE … IF NOT EXISTS (which is not concurrency-safe in PostgreSQL).
SELECT pg_advisory_xact_lock(hashtext('geoswap'), 0);

-- Under least privilege (docker/sql/roles.sql) an administrator creates the schema, owned by the builder
-- role, and the tasks have no CREATE on the database: create it only when it is missing.
DO $$ BEGIN
  IF to_regnamespace('geoswap') IS NULL THEN CREATE SCHEMA geoswap; END IF;
END $$;

-- One row per pipeline: the version the stable view points at. Promotion compare-and-swaps live_version.
CREATE TABLE IF NOT EXISTS geoswap.pipelines (
  pipeline      text PRIMARY KEY,
  view_schema   text NOT NULL,
  view_name     text NOT NULL,
  live_version  text,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per version (= one table <pipeline>_v<version>). What each status means and where it may move
-- next: VersionStatus (its test checks that this CHECK lists the same statuses).
CREATE TABLE IF NOT EXISTS geoswap.versions (
  pipeline       text NOT NULL,
  version        text NOT NULL,
  table_schema   text NOT NULL,
  table_name     text NOT NULL,
  status         text NOT NULL,
  build_id       uuid NOT NULL,
  logical_date   timestamptz,
  run_id         text,
  rows_written   bigint,
  phase_seconds  jsonb,
  spark_app_id   text,
  error          text,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, version),
  CONSTRAINT versions_status_check CHECK (status IN
    ('building', 'built', 'failed', 'validated', 'live', 'retired', 'superseded', 'dropped'))
);

-- Exactly-once loading: a Spark partition commits its rows and its marker in one transaction; a later
-- attempt of the same partition finds the marker and writes nothing.
CREATE TABLE IF NOT EXISTS geoswap.load_markers (
  build_id      uuid NOT NULL,
  partition_id  integer NOT NULL,
  attempt       integer NOT NULL,
  rows          bigint,
  committed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (build_id, partition_id)
);

-- Added for the swap-task (validate, promote, rollback, gc). ADD COLUMN IF NOT EXISTS keeps older
-- registries working.
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS validation   jsonb;
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS validated_at timestamptz;
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS promoted_at  timestamptz;
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS retired_at   timestamptz;
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS dropped_at   timestamptz;
-- The exit code of a failed build, so a launcher that only sees "FAILED" from EMR can tell a data error
-- (don't retry) from a temporary one.
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS error_code integer;

-- What changed against the live version when this version was validated (validate's diff; status shows it).
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS diff jsonb;

-- When the orchestrator's run was due (Airflow's run_after). A run without a logical date (Airflow 3: API
-- with logical_date: null, asset-triggered) has logical_date NULL here and took ${logical_date} from this.
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS run_after timestamptz;

-- Rows the build read from each source ({"events": 8101504, "zones": 2000}): checks name them as
-- ${source_rows.<source>}, an audit that costs the database nothing (the count it would otherwise redo).
ALTER TABLE geoswap.versions ADD COLUMN IF NOT EXISTS source_rows jsonb;

-- What `verify` found when it compared a version with the relation it replaces (adopt requires a match).
CREATE TABLE IF NOT EXISTS geoswap.verifications (
  pipeline     text NOT NULL,
  version      text NOT NULL,
  against      text NOT NULL,
  matched      boolean NOT NULL,
  report       jsonb NOT NULL,
  verified_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, version, against)
);

-- Materialized views `adopt` took over: the view geoswap now publishes under the name, and the name the
-- materialized view is kept under (for `adopt --undo`) until it is dropped by hand.
CREATE TABLE IF NOT EXISTS geoswap.adoptions (
  pipeline     text NOT NULL,
  view_schema  text NOT NULL,
  view_name    text NOT NULL,
  kept_name    text NOT NULL,
  version      text NOT NULL,
  forced       boolean NOT NULL DEFAULT false,
  adopted_at   timestamptz NOT NULL DEFAULT now(),
  undone_at    timestamptz
);

-- The registry belongs to whoever owns schema geoswap (the builder role under roles.sql), whichever task
-- created it: a publisher that ran first must not leave the builder tables it can't write.
DO $$
DECLARE
  owner_name text := (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'geoswap');
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['pipelines', 'versions', 'load_markers', 'verifications', 'adoptions'] LOOP
    IF (SELECT relowner::regrole::text FROM pg_class WHERE oid = ('geoswap.' || t)::regclass) <> owner_name THEN
      EXECUTE format('ALTER TABLE geoswap.%I OWNER TO %s', t, owner_name);
    END IF;
  END LOOP;
END $$;

-- The revision a task checks before running this file (VersionRegistry.REGISTRY_REVISION).
COMMENT ON TABLE geoswap.versions IS 'geoswap registry, revision 7';
