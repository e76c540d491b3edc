"""knowledge versions: a knowledge change on one instance reaches the others

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

`knowledge_versions` gets a row whenever an admin changes the knowledge base on one instance
(an upload, a /gaps alternate, /reload). Every instance looks at the newest row every few
seconds and reloads its base when it is newer than the one it acted on (bot/ops/knowledge_sync.py).
The files themselves are shared by the instances; only the signal is stored.
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knowledge_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('instance', sa.String(length=80), nullable=False),
    sa.Column('published_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_versions'))
    )


def downgrade() -> None:
    op.drop_table('knowledge_versions')
