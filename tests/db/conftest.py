"""tests/db use the session's PostgreSQL server and per-test databases from tests/conftest.py."""
