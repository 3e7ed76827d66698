-- A schema's owner, how many relations it holds, and whether PUBLIC may create in it.
SELECT pg_get_userbyid(n.nspowner) AS owner,
       (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid) AS relations,
       EXISTS (SELECT 1 FROM aclexplode(n.nspacl) a
               WHERE a.grantee = 0 AND a.privilege_type = 'CREATE') AS public_create
FROM pg_namespace n
WHERE n.nspname = %(schema)s
