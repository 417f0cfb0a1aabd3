"""Pre-send checks: a partial index of restricted subjects.

A check looks up 10,000 subjects per batch and asks which of them are restricted; nearly none
are, and this index holds only those, so the question no longer reads 10,000 subject rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.create_index('ix_subjects_restricted', ['id'], unique=False,
                              postgresql_where=sa.text('restricted_at IS NOT NULL'),
                              sqlite_where=sa.text('restricted_at IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.drop_index('ix_subjects_restricted')
