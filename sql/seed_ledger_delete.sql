-- psycopg.sql template: before a seed runs, so a failed or interrupted one leaves no row.
DELETE FROM {ledger} WHERE name = %(name)s
