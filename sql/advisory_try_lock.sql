-- Session-level advisory lock, never waits: the caller polls under its own deadline.
SELECT pg_try_advisory_lock(%(key)s)
