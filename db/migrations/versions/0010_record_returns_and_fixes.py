"""returned records keep their reason; correction requests (/fix)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

A supervisor's 退回 now asks why, and the reason stays on the record (`decision_reason`) for the
cadre's history. `study_fixes` holds a cadre's request to correct a record after the 撤销
window: it waits for the record's confirmers like a pending record, and keeps who decided.
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('study_records') as batch:
        batch.add_column(sa.Column('decision_reason', sa.String(length=200), nullable=True))
    op.create_table('study_fixes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('asked_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['people.id'], name=op.f('fk_study_fixes_decided_by_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_study_fixes_person_id_people')),
    sa.ForeignKeyConstraint(['record_id'], ['study_records.id'], name=op.f('fk_study_fixes_record_id_study_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_fixes'))
    )
    with op.batch_alter_table('study_fixes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_fixes_record_id'), ['record_id'], unique=False)
        batch_op.create_index('ix_study_fixes_status_asked', ['status', 'asked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('study_fixes', schema=None) as batch_op:
        batch_op.drop_index('ix_study_fixes_status_asked')
        batch_op.drop_index(batch_op.f('ix_study_fixes_record_id'))
    op.drop_table('study_fixes')
    with op.batch_alter_table('study_records') as batch:
        batch.drop_column('decision_reason')
