-- psycopg.sql template, one transaction, as the superuser. lock_timeout bounds every
-- wait: a session or prepared transaction holding a lock fails the reset, never hangs it.
SET LOCAL lock_timeout = {lock_timeout};
DROP SCHEMA IF EXISTS {schema} CASCADE;
CREATE SCHEMA {schema} AUTHORIZATION {owner};
REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;
