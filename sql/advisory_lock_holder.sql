-- Who holds the session-level advisory lock on a bigint key in this database.
SELECT l.pid, a.application_name
FROM pg_locks l
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = ((%(key)s::bigint >> 32) & 4294967295)
  AND l.objid::bigint = (%(key)s::bigint & 4294967295)
LIMIT 1
