"""Site scans (`lupa scan`) and their screenshots.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-08 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_scans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('notice_version', sa.Integer(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.Column('record_sha256', sa.String(length=64), nullable=False),
    sa.Column('audit_seq', sa.BigInteger(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_scans_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_scans'))
    )
    with op.batch_alter_table('site_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_scans_site_id'), ['site_id'], unique=False)

    op.create_table('scan_screenshots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('scan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('png', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['scan_id'], ['site_scans.id'], name=op.f('fk_scan_screenshots_scan_id_site_scans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_screenshots')),
    sa.UniqueConstraint('scan_id', 'sha256', name='uq_scan_screenshots_scan_sha')
    )
    with op.batch_alter_table('scan_screenshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_screenshots_scan_id'), ['scan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('scan_screenshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_screenshots_scan_id'))
    op.drop_table('scan_screenshots')
    with op.batch_alter_table('site_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_scans_site_id'))
    op.drop_table('site_scans')
