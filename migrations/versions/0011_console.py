"""Data-subject requests recorded by hand (from the console or `lupa request create`) keep the
operator's note with them.

One nullable column: instant on PostgreSQL.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-08 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.drop_column('note')
