"""Demo API for bootstrap: a tiny stdlib HTTP server over SQLAlchemy + PostgreSQL."""
