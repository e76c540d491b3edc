"""readings: the week's reading published in the chat, and who read it and wrote a 心得

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

`published_readings` holds /publish's readings (the files' readings are not rows);
`reading_marks` one row per person and reading (unique): 已读, the 心得 text, and the records
that credited them.
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('published_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('credits_hundredths', sa.Integer(), nullable=False),
    sa.Column('notes_credits_hundredths', sa.Integer(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['published_by'], ['people.id'], name=op.f('fk_published_readings_published_by_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_readings'))
    )
    op.create_index(op.f('ix_published_readings_week'), 'published_readings', ['week'], unique=False)
    op.create_table('reading_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reading_id', sa.String(length=40), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('read_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_record_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('notes_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notes_record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reading_marks_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['read_record_id'], ['study_records.id'], name=op.f('fk_reading_marks_read_record_id_study_records'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notes_record_id'], ['study_records.id'], name=op.f('fk_reading_marks_notes_record_id_study_records'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reading_marks')),
    sa.UniqueConstraint('person_id', 'reading_id', name='uq_reading_marks_person_reading')
    )
    op.create_index(op.f('ix_reading_marks_week'), 'reading_marks', ['week'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reading_marks_week'), table_name='reading_marks')
    op.drop_table('reading_marks')
    op.drop_index(op.f('ix_published_readings_week'), table_name='published_readings')
    op.drop_table('published_readings')
