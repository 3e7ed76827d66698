-- psycopg.sql template: after a seed succeeded.
INSERT INTO {ledger} (name, fingerprint, applied_at, duration_s)
VALUES (%(name)s, %(fingerprint)s, now(), %(duration_s)s)
ON CONFLICT (name) DO UPDATE
SET fingerprint = EXCLUDED.fingerprint, applied_at = EXCLUDED.applied_at, duration_s = EXCLUDED.duration_s
