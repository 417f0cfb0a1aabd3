"""Direct marketing: subjects, encrypted identifiers, permissions, events, checks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:22:07.825206

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('marketing_checks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('allowed', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_marketing_checks_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_checks')),
    sa.UniqueConstraint('public_id', name=op.f('uq_marketing_checks_public_id'))
    )
    with op.batch_alter_table('marketing_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketing_checks_site_id'), ['site_id'], unique=False)

    op.create_table('marketing_generations',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_marketing_generations_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_marketing_generations'))
    )
    op.create_table('subjects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('restricted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_subjects_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects')),
    sa.UniqueConstraint('public_id', name=op.f('uq_subjects_public_id'))
    )
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subjects_site_id'), ['site_id'], unique=False)

    op.create_table('marketing_check_answers',
    sa.Column('check_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=True),
    sa.Column('lookup_hash', sa.LargeBinary(length=32), nullable=True),
    sa.Column('outcome', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('check_id', 'position', name=op.f('pk_marketing_check_answers'))
    )
    with op.batch_alter_table('marketing_check_answers', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_check_answers_subject', ['subject_id'], unique=False)

    op.create_table('marketing_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('change', sa.String(length=24), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('notice_version', sa.Integer(), nullable=True),
    sa.Column('ip_prefix', sa.String(length=64), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_marketing_events_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_marketing_events_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_events'))
    )
    with op.batch_alter_table('marketing_events', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_events_subject', ['subject_id', 'id'], unique=False)

    op.create_table('marketing_permissions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('prohibited', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('notice_version', sa.Integer(), nullable=True),
    sa.Column('ip_prefix', sa.String(length=64), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prohibited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_marketing_permissions_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_marketing_permissions_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_permissions')),
    sa.UniqueConstraint('subject_id', 'purpose', 'channel', name='uq_marketing_permissions_key')
    )
    with op.batch_alter_table('marketing_permissions', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_permissions_site_purpose', ['site_id', 'purpose', 'channel'], unique=False)

    op.create_table('subject_identifiers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('lookup_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_subject_identifiers_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_identifiers_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_identifiers')),
    sa.UniqueConstraint('site_id', 'lookup_hash', name='uq_subject_identifiers_site_lookup')
    )
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_identifiers_subject_id'), ['subject_id'], unique=False)



def downgrade():
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_identifiers_subject_id'))

    op.drop_table('subject_identifiers')
    with op.batch_alter_table('marketing_permissions', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_permissions_site_purpose')

    op.drop_table('marketing_permissions')
    with op.batch_alter_table('marketing_events', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_events_subject')

    op.drop_table('marketing_events')
    with op.batch_alter_table('marketing_check_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_check_answers_subject')

    op.drop_table('marketing_check_answers')
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subjects_site_id'))

    op.drop_table('subjects')
    op.drop_table('marketing_generations')
    with op.batch_alter_table('marketing_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketing_checks_site_id'))

    op.drop_table('marketing_checks')
