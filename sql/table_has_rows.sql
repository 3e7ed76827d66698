-- psycopg.sql template
SELECT EXISTS (SELECT 1 FROM {schema}.{table})
