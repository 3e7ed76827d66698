-- Serialise concurrent role changes (CREATE ROLE races) for this transaction.
SELECT pg_advisory_xact_lock(%(key)s)
