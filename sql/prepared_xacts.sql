-- Prepared transactions on the database: they hold locks that no session termination clears.
SELECT gid, owner, prepared FROM pg_prepared_xacts WHERE database = %(database)s
