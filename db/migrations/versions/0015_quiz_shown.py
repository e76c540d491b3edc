"""quiz_selections.shown_at: when 下一题 sent the question, so a second press sends nothing

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

下一题 pressed twice (a double tap, or a second instance) sent the next question twice; the
first press now claims the question with one conditional UPDATE of `shown_at`.
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quiz_selections') as batch:
        batch.add_column(sa.Column('shown_at', db.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('quiz_selections') as batch:
        batch.drop_column('shown_at')
