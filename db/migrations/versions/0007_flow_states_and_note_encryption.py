"""conversation state in the database, and a format marker for talk notes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

`flow_states` holds at most one open multi-step flow per person (a /study draft, the notes
step after 已谈, a /talk topic, a reason asked by a confirm flow): read in each update's own
session, so a restart or another instance continues where the person left off.

`talks.notes_format` says how `talks.notes` is stored: 'fernet' (encrypted with
CADREBOT_NOTES_KEY) or 'plain' (written before this revision). No key exists at migration
time, so existing notes are marked 'plain' here and encrypted by the bot at start, once the
key is present (db/talks.encrypt_plain_notes).
"""
from alembic import op
import sqlalchemy as sa
import db.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('flow_states',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=20), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('forget_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_flow_states_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_flow_states'))
    )
    with op.batch_alter_table('flow_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_states_forget_at'), ['forget_at'], unique=False)

    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes_format', sa.String(length=10), nullable=True))
    op.execute("UPDATE talks SET notes_format = 'plain' WHERE notes IS NOT NULL")


def downgrade() -> None:
    # Encrypted notes cannot be turned back into text without the key: a downgrade keeps
    # the ciphertext in `notes` (0006 code would show it as is); decrypt before downgrading.
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.drop_column('notes_format')

    with op.batch_alter_table('flow_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_states_forget_at'))

    op.drop_table('flow_states')
