"""roster uploads waiting for their import button

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

An uploaded roster is previewed, not applied: `roster_uploads` keeps the file until the admin
presses 按完整名单导入 / 仅新增和修改 / 取消, so the buttons survive a restart and a second press
is recognised.
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['uploader_id'], ['people.id'], name=op.f('fk_roster_uploads_uploader_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_uploads'))
    )
    with op.batch_alter_table('roster_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_uploads_uploader_id'), ['uploader_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('roster_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_uploads_uploader_id'))
        batch_op.drop_index(batch_op.f('ix_roster_uploads_created_at'))

    op.drop_table('roster_uploads')
