-- The demo's application roles, as the baselines create them (bench/baselines only).
-- Run as the postgres superuser with psql variables owner_pass, rw_pass, ro_pass, dbname:
--   psql -v ON_ERROR_STOP=1 -v owner_pass=... -v rw_pass=... -v ro_pass=... -v dbname=demo -f roles.sql
-- psql cannot interpolate :'vars' inside DO $$ ... $$ (seed 004 issue 3), so the passwords
-- travel through session settings (set_config / current_setting). Idempotent: create or
-- update the roles, then (re)apply ownership, grants and default privileges.
SELECT set_config('bench.owner_pass', :'owner_pass', false) IS NOT NULL AS owner,
       set_config('bench.rw_pass', :'rw_pass', false) IS NOT NULL AS rw,
       set_config('bench.ro_pass', :'ro_pass', false) IS NOT NULL AS ro;

DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('app_owner', current_setting('bench.owner_pass')),
      ('app_rw', current_setting('bench.rw_pass')),
      ('app_ro', current_setting('bench.ro_pass'))) AS v(name, pass)
  LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
      EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', r.name, r.pass);
    ELSE
      EXECUTE format('CREATE ROLE %I WITH LOGIN PASSWORD %L', r.name, r.pass);
    END IF;
  END LOOP;
END $$;

GRANT CONNECT ON DATABASE :"dbname" TO app_owner, app_rw, app_ro;
ALTER SCHEMA public OWNER TO app_owner;
GRANT USAGE ON SCHEMA public TO app_rw, app_ro;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_rw;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO app_rw;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public
  GRANT SELECT ON TABLES TO app_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app_rw;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO app_ro;
