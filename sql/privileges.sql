-- Privileges granted directly to the given roles (and CREATE on the schema to PUBLIC):
-- on the database, the schema, its relations, and default privileges in the schema.
-- One row per (kind, object, grantee, privilege).
SELECT 'database' AS kind, d.datname::text AS object, r.rolname::text AS grantee, a.privilege_type
FROM pg_database d
CROSS JOIN LATERAL aclexplode(d.datacl) a
JOIN pg_roles r ON r.oid = a.grantee
WHERE d.datname = %(database)s AND r.rolname = ANY(%(roles)s)
UNION ALL
SELECT 'schema', n.nspname::text, coalesce(r.rolname::text, 'PUBLIC'), a.privilege_type
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) a
LEFT JOIN pg_roles r ON r.oid = a.grantee
WHERE n.nspname = %(schema)s AND (r.rolname = ANY(%(roles)s) OR (a.grantee = 0 AND a.privilege_type = 'CREATE'))
UNION ALL
SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, c.relname::text, r.rolname::text,
       a.privilege_type
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) a
JOIN pg_roles r ON r.oid = a.grantee
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND r.rolname = ANY(%(roles)s) AND a.grantee <> c.relowner
UNION ALL
SELECT CASE d.defaclobjtype WHEN 'r' THEN 'default:tables' ELSE 'default:sequences' END,
       pg_get_userbyid(d.defaclrole)::text, r.rolname::text, a.privilege_type
FROM pg_default_acl d
JOIN pg_namespace n ON n.oid = d.defaclnamespace
CROSS JOIN LATERAL aclexplode(d.defaclacl) a
JOIN pg_roles r ON r.oid = a.grantee
WHERE n.nspname = %(schema)s AND d.defaclobjtype IN ('r', 'S') AND r.rolname = ANY(%(roles)s)
