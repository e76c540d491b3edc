"""quizzes: each person's questions of the day and their answers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-12

`quiz_selections` holds the questions /quiz drew for a person and local day (每日一题, or a
专题 round), made once so a restart shows the same ones; `quiz_answers` one answer per
person, day and item (unique: a second press counts nothing), with the study record a right
answer earned.
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quiz_selections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('quiz_date', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_quiz_selections_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_selections')),
    sa.UniqueConstraint('person_id', 'quiz_date', 'item_id', name='uq_quiz_selections_person_day_item')
    )
    op.create_table('quiz_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('quiz_date', sa.Date(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('entry_id', sa.String(length=80), nullable=False),
    sa.Column('selection_id', sa.Integer(), nullable=True),
    sa.Column('chosen', sa.String(length=1), nullable=False),
    sa.Column('right', sa.Boolean(), nullable=False),
    sa.Column('answered_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_quiz_answers_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['study_records.id'], name=op.f('fk_quiz_answers_record_id_study_records')),
    sa.ForeignKeyConstraint(['selection_id'], ['quiz_selections.id'], name=op.f('fk_quiz_answers_selection_id_quiz_selections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_answers')),
    sa.UniqueConstraint('person_id', 'quiz_date', 'item_id', name='uq_quiz_answers_person_day_item')
    )
    op.create_index('ix_quiz_answers_quiz_date', 'quiz_answers', ['quiz_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_quiz_answers_quiz_date', table_name='quiz_answers')
    op.drop_table('quiz_answers')
    op.drop_table('quiz_selections')
