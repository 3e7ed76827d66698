-- Stored password verifiers (superuser only): compared on the client, never sent back.
SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%(roles)s)
