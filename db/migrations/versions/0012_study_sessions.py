"""study sessions: collective study with one-tap check-in

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10

`study_sessions` holds a /session's activity, amount, audience and window (closes_at), and
how it ended; `session_checkins` one row per person and session (unique), pointing at the
confirmed record the check-in made (none when the day's cap was already full).
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('study_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=20), nullable=False),
    sa.Column('amount_hundredths', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('units', sa.JSON(), nullable=True),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('study_date', sa.Date(), nullable=False),
    sa.Column('started_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_how', sa.String(length=10), nullable=True),
    sa.Column('group_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('control_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('control_message_id', sa.BigInteger(), nullable=True),
    sa.Column('count_shown', sa.Integer(), nullable=False),
    sa.Column('count_shown_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organiser_id'], ['people.id'], name=op.f('fk_study_sessions_organiser_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_sessions'))
    )
    op.create_index(op.f('ix_study_sessions_organiser_id'), 'study_sessions', ['organiser_id'], unique=False)
    op.create_index(op.f('ix_study_sessions_closes_at'), 'study_sessions', ['closes_at'], unique=False)
    op.create_table('session_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('checked_in_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_session_checkins_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['study_records.id'], name=op.f('fk_session_checkins_record_id_study_records')),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_session_checkins_session_id_study_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_checkins')),
    sa.UniqueConstraint('session_id', 'person_id', name='uq_session_checkins_session_person')
    )
    op.create_index(op.f('ix_session_checkins_person_id'), 'session_checkins', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_session_checkins_person_id'), table_name='session_checkins')
    op.drop_table('session_checkins')
    op.drop_index(op.f('ix_study_sessions_closes_at'), table_name='study_sessions')
    op.drop_index(op.f('ix_study_sessions_organiser_id'), table_name='study_sessions')
    op.drop_table('study_sessions')
