-- psycopg.sql template; runs outside a transaction (autocommit).
CREATE DATABASE {database}
