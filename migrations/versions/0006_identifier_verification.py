"""Identifiers are proven one by one: each says when and how it was verified; codes sent to
phone numbers; the messages sent per recipient (the hourly limit per recipient).

Existing identifiers start unverified: the next link mailed to an address, or code sent to a
number, proves it. Adding nullable columns is instant on PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_by', sa.String(length=24), nullable=True))

    op.create_table('identifier_challenges',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', _ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('code_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('grants', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_identifier_challenges_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_identifier_challenges_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identifier_challenges')),
    sa.UniqueConstraint('public_id', name=op.f('uq_identifier_challenges_public_id'))
    )
    with op.batch_alter_table('identifier_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identifier_challenges_subject_id'), ['subject_id'], unique=False)

    op.create_table('message_sends',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('recipient_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_message_sends_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_sends'))
    )
    with op.batch_alter_table('message_sends', schema=None) as batch_op:
        batch_op.create_index('ix_message_sends_recipient', ['site_id', 'recipient_hash', 'sent_at'], unique=False)
        batch_op.create_index('ix_message_sends_sent_at', ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('message_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_message_sends_sent_at')
        batch_op.drop_index('ix_message_sends_recipient')
    op.drop_table('message_sends')
    with op.batch_alter_table('identifier_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identifier_challenges_subject_id'))
    op.drop_table('identifier_challenges')
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.drop_column('verified_by')
        batch_op.drop_column('verified_at')
