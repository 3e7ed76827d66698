-- Create the role, or fix its attributes; set its password when a verifier is given.
-- The verifier is a SCRAM-SHA-256 secret computed on the client: the plaintext
-- password never reaches the server. Reads its input from role_vars.sql.
DO $$
DECLARE
  v_name text := current_setting('bootstrap.role_name');
  v_verifier text := current_setting('bootstrap.role_verifier');
  v_attributes text := 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_name) THEN
    EXECUTE format('CREATE ROLE %I WITH ' || v_attributes, v_name);
  ELSE
    EXECUTE format('ALTER ROLE %I WITH ' || v_attributes, v_name);
  END IF;
  IF v_verifier <> '' THEN
    EXECUTE format('ALTER ROLE %I WITH PASSWORD %L', v_name, v_verifier);
  END IF;
END
$$
