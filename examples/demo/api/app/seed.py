"""Idempotent seeds, run as the owner role (DATABASE_URL).

    python -m app.seed reference     categories (INSERT ... ON CONFLICT DO NOTHING)
    python -m app.seed demo-items    a few items (needs `reference` first)
    python -m app.seed all           both, in order

Exit codes: 0 done (also when everything was already there), 1 failed, 2 usage.
"""
from __future__ import annotations

import sys

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from . import db
from .models import Category, Item

CATEGORIES = [
    {"slug": "tools", "name": "Tools"},
    {"slug": "books", "name": "Books"},
    {"slug": "garden", "name": "Garden"},
]

ITEMS = [
    {"sku": "TL-001", "name": "Hammer", "price_cents": 1299, "category": "tools"},
    {"sku": "TL-002", "name": "Screwdriver set", "price_cents": 2450, "category": "tools"},
    {"sku": "BK-001", "name": "PostgreSQL in practice", "price_cents": 3900, "category": "books"},
    {"sku": "GD-001", "name": "Watering can", "price_cents": 1500, "category": "garden"},
]


class SeedError(RuntimeError):
    pass


def seed_reference(conn: Connection) -> tuple[int, int]:
    stmt = insert(Category).values(CATEGORIES).on_conflict_do_nothing(index_elements=["slug"])
    inserted = conn.execute(stmt.returning(Category.id)).all()
    total = conn.execute(select(func.count()).select_from(Category)).scalar_one()
    return len(inserted), total


def seed_demo_items(conn: Connection) -> tuple[int, int]:
    ids = dict(conn.execute(select(Category.slug, Category.id)).all())
    missing = sorted({i["category"] for i in ITEMS} - ids.keys())
    if missing:
        raise SeedError(f"categories {missing} are missing: run `python -m app.seed reference` first")
    rows = [{k: v for k, v in i.items() if k != "category"} | {"category_id": ids[i["category"]]} for i in ITEMS]
    stmt = insert(Item).values(rows).on_conflict_do_nothing(index_elements=["sku"])
    inserted = conn.execute(stmt.returning(Item.id)).all()
    total = conn.execute(select(func.count()).select_from(Item)).scalar_one()
    return len(inserted), total


SEEDS = {"reference": seed_reference, "demo-items": seed_demo_items}


def main(argv: list[str]) -> int:
    names = list(SEEDS) if argv == ["all"] else argv
    if not names or any(n not in SEEDS for n in names):
        print(f"usage: python -m app.seed {{{'|'.join([*SEEDS, 'all'])}}}", file=sys.stderr)
        return 2
    try:
        engine = db.owner_engine()
        for name in names:
            with engine.begin() as conn:  # one transaction per seed
                inserted, total = SEEDS[name](conn)
            print(f"seed {name}: inserted {inserted}, now {total} rows")
    except Exception as exc:
        orig = getattr(exc, "orig", None) or exc
        msg = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        hint = ""
        if type(orig).__name__ == "UndefinedTable":
            hint = " (tables missing: run `alembic upgrade head` first)"
        print(f"seed failed: {type(orig).__name__}: {msg}{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
