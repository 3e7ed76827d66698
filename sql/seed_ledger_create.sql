-- psycopg.sql template: which seeds ran, with which definition. Lives in the application
-- schema, so a schema reset clears it along with the data the seeds wrote.
CREATE TABLE IF NOT EXISTS {ledger} (
  name text PRIMARY KEY,
  fingerprint text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_s double precision NOT NULL
)
