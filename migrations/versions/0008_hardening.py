"""Auditor web sessions kept server-side: a sign-out revokes the session cookie, and a
session dies after its absolute lifetime (LUPA_AUDITOR_SESSION_MAX_AGE).

Revision ID: 0008
Revises: 0005
Create Date: 2027-01-15 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auditor_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_auditor_sessions_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_auditor_sessions'))
    )
    with op.batch_alter_table('auditor_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditor_sessions_site_id'), ['site_id'], unique=False)


def downgrade():
    with op.batch_alter_table('auditor_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditor_sessions_site_id'))
    op.drop_table('auditor_sessions')
