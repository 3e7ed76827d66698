-- The configured roles that exist, with the attributes bootstrap manages.
SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolreplication, rolbypassrls
FROM pg_roles
WHERE rolname = ANY(%(roles)s)
