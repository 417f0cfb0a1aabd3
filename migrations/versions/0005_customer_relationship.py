"""Subjects get a customer relationship (start and end days) for soft opt-in marketing.

A check of a customer-relationship purpose asks which recipients are customers on the day;
a partial index of the customers (with the dates on PostgreSQL, for index-only reads) keeps
it a probe per recipient. Built CONCURRENTLY on PostgreSQL (adding nullable columns is
instant), so a live site keeps reading and writing during the upgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relationship_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('relationship_end', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_subjects_relationship "
                       "ON subjects (id) INCLUDE (relationship_start, relationship_end) "
                       "WHERE relationship_start IS NOT NULL")
        return
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.create_index('ix_subjects_relationship', ['id'], unique=False,
                              sqlite_where=sa.text('relationship_start IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.drop_index('ix_subjects_relationship')
        batch_op.drop_column('relationship_end')
        batch_op.drop_column('relationship_start')
