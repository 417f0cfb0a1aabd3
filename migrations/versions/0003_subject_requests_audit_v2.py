"""Data-subject requests; audit entry format 2 (payload hashed separately, reducible).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subject_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('via', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_subject_requests_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_requests_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_requests')),
    sa.UniqueConstraint('public_id', name=op.f('uq_subject_requests_public_id'))
    )
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.create_index('ix_subject_requests_site_received', ['site_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_requests_subject_id'), ['subject_id'], unique=False)

    # Existing entries are format 1 (server default); new ones are written as format 2.
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash_version', sa.SmallInteger(), server_default='1', nullable=False))
        batch_op.alter_column('payload', existing_type=sa.Text(), nullable=True)


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('hash_version')
        batch_op.drop_column('payload_hash')

    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_requests_subject_id'))
        batch_op.drop_index('ix_subject_requests_site_received')

    op.drop_table('subject_requests')
