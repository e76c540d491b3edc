"""deliveries marked as their request leaves

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Each delivery row is now marked `claimed`, then `attempted` (with `attempted_at`) the moment its
request is written, then `sent` (bot/scheduling/wire.py, bot/scheduling/delivery.py); the local send journal is gone.
Rows an older version left in `sending` cannot be known to have gone out or not (their journal
is no longer read): they become `uncertain`, never resent, as that version did after 5 minutes.
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('attempted_at', db.models.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE deliveries SET status = 'uncertain', last_error = 'being sent when cadrebot was upgraded' "
        "WHERE status = 'sending'"
    )


def downgrade() -> None:
    # The older version knows `sending` only with its journal: unattempted claims go back to
    # pending, requests that were attempted stay unknown.
    op.execute("UPDATE deliveries SET status = 'pending', claim_token = NULL WHERE status = 'claimed'")
    op.execute("UPDATE deliveries SET status = 'uncertain' WHERE status = 'attempted'")
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('attempted_at')
