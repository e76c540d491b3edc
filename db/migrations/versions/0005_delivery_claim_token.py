"""delivery claim token

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch.create_index('ix_deliveries_claim_token', ['claim_token'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_index('ix_deliveries_claim_token')
        batch.drop_column('claim_token')
