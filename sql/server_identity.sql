-- Who we are connected as, and which server: database-ready refuses anything but a superuser.
SELECT current_user AS role,
       r.rolsuper AS superuser,
       current_setting('server_version_num')::int AS server_version
FROM pg_roles r
WHERE r.rolname = current_user
