-- psycopg.sql templates, one per "-- name:" section, composed by bootstrap/db/roles.py
-- from the difference between the privileges wanted and those found (privileges.sql).
-- {privileges} is a list of keywords from a fixed set; every other field is an identifier.

-- name: grant_database
GRANT {privileges} ON DATABASE {database} TO {grantee}

-- name: revoke_database
REVOKE {privileges} ON DATABASE {database} FROM {grantee}

-- name: grant_schema
GRANT {privileges} ON SCHEMA {schema} TO {grantee}

-- name: revoke_schema
REVOKE {privileges} ON SCHEMA {schema} FROM {grantee}

-- name: grant_table
GRANT {privileges} ON TABLE {relation} TO {grantee}

-- name: revoke_table
REVOKE {privileges} ON TABLE {relation} FROM {grantee}

-- name: grant_sequence
GRANT {privileges} ON SEQUENCE {relation} TO {grantee}

-- name: revoke_sequence
REVOKE {privileges} ON SEQUENCE {relation} FROM {grantee}

-- name: grant_default_tables
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT {privileges} ON TABLES TO {grantee}

-- name: revoke_default_tables
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} REVOKE {privileges} ON TABLES FROM {grantee}

-- name: grant_default_sequences
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT {privileges} ON SEQUENCES TO {grantee}

-- name: revoke_default_sequences
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} REVOKE {privileges} ON SEQUENCES FROM {grantee}

-- name: owner_schema
ALTER SCHEMA {schema} OWNER TO {owner}

-- name: owner_relation
ALTER TABLE {relation} OWNER TO {owner}
