-- psycopg.sql template
SELECT fingerprint, applied_at, duration_s FROM {ledger} WHERE name = %(name)s
