-- Relations of a schema with their owners; sequences owned by a table column follow
-- their table and are marked so (their owner cannot be changed on their own).
SELECT c.relname,
       CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END AS kind,
       pg_get_userbyid(c.relowner) AS owner,
       c.relkind = 'S' AND EXISTS (
         SELECT 1 FROM pg_depend d
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       ) AS owned_by_table
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
ORDER BY c.relname
