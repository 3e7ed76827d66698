-- Every other session on the database, so DROP SCHEMA does not wait behind them.
SELECT pid, pg_terminate_backend(pid) AS terminated
FROM pg_stat_activity
WHERE datname = %(database)s
  AND pid <> pg_backend_pid()
