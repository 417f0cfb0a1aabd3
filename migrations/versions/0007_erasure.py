"""Subject keys move to a table of their own, `subject_keys`, where erasure destroys them
physically (issue 13, item 5).

The wrapped keys are copied over and the column is dropped. On PostgreSQL a dropped column's
values stay inside every row until the row is rewritten (and an UPDATE would leave them in dead
row versions): so `subjects` is rewritten by VACUUM FULL (outside the migration's transaction),
which writes dropped columns as NULL, and no copy of a key is left in its file. That also
removes the keys of subjects erased before this version from `subjects`' dead rows; it holds an
exclusive lock on `subjects` while it runs (seconds per million subjects). On SQLite the DROP
COLUMN rewrites the rows itself, secure_delete zeroing the old ones; the next erasure's
checkpoint empties the write-ahead log.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-20 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None

KEY_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        'subject_keys',
        sa.Column('subject_id', KEY_ID, autoincrement=False, nullable=False),
        sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                                name=op.f('fk_subject_keys_subject_id_subjects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_subject_keys')),
    )
    op.execute("INSERT INTO subject_keys (subject_id, wrapped_key) "
               "SELECT id, wrapped_key FROM subjects WHERE wrapped_key IS NOT NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column('subjects', 'wrapped_key')
        with op.get_context().autocommit_block():
            op.execute("VACUUM FULL subjects")
        return
    op.execute("PRAGMA secure_delete=ON")
    op.execute("ALTER TABLE subjects DROP COLUMN wrapped_key")  # rewrites every row


def downgrade():
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrapped_key', sa.LargeBinary(), nullable=True))
    op.execute("UPDATE subjects SET wrapped_key = (SELECT k.wrapped_key FROM subject_keys k "
               "WHERE k.subject_id = subjects.id)")
    op.drop_table('subject_keys')
