"""A code's number is named by a keyed hash too, so that one number has one live code at a
time and its wrong tries are counted across all its codes (a day's cap).

One nullable column and an index: instant on PostgreSQL. Codes sent before this revision
have no hash; they expire within LUPA_SMS_CODE_MAX_AGE.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-22 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('identifier_challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_hash', sa.LargeBinary(length=32), nullable=True))
        batch_op.create_index('ix_identifier_challenges_number', ['site_id', 'number_hash',
                                                                  'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('identifier_challenges', schema=None) as batch_op:
        batch_op.drop_index('ix_identifier_challenges_number')
        batch_op.drop_column('number_hash')
