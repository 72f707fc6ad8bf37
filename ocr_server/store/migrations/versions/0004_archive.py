"""archive batches, PDF/A choice, page attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('pdf_format', sa.String(length=16), nullable=False,
                                      server_default='pdf'))
        batch_op.create_index('ix_dossiers_batch', ['batch'])
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('attempts')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_batch')
        batch_op.drop_column('pdf_format')
        batch_op.drop_column('batch')
