-- psycopg.sql template: the revisions Alembic recorded.
SELECT version_num FROM {table}
