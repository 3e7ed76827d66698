"""create items (FK to categories)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_cents", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], name="fk_items_category_id_categories",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
        sa.UniqueConstraint("sku", name="uq_items_sku"),
    )
    op.create_index("ix_items_category_id", "items", ["category_id"])


def downgrade() -> None:
    op.drop_index("ix_items_category_id", table_name="items")
    op.drop_table("items")
