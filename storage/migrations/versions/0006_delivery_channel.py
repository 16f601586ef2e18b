"""Claim each digest per channel, so a failed e-mail is retried without a second Telegram copy.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Claims made before this revision were all for Telegram.
    with op.batch_alter_table("digest_deliveries", recreate="always") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="telegram")
        )
        batch.drop_constraint("pk_digest_deliveries", type_="primary")
        batch.create_primary_key("pk_digest_deliveries", ["week", "staff_id", "channel"])
    with op.batch_alter_table("digest_deliveries") as batch:
        batch.alter_column("channel", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM digest_deliveries WHERE channel <> 'telegram'")
    with op.batch_alter_table("digest_deliveries", recreate="always") as batch:
        batch.drop_constraint("pk_digest_deliveries", type_="primary")
        batch.create_primary_key("pk_digest_deliveries", ["week", "staff_id"])
        batch.drop_column("channel")
