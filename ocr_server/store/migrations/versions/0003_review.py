"""review: claims, pending fields, audit events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'review_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.String(length=32), nullable=False),
        sa.Column('reviewer_key_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_name', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('document_index', sa.Integer(), nullable=True),
        sa.Column('field_name', sa.String(length=64), nullable=True),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewer_key_id'], ['api_keys.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_review_events_dossier_id', 'review_events', ['dossier_id'])
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by_key_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claim_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_dossiers_claimed_by_key_id', 'api_keys',
                                    ['claimed_by_key_id'], ['id'])
    with op.batch_alter_table('fields', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('fields', schema=None) as batch_op:
        batch_op.drop_column('pending')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_dossiers_claimed_by_key_id', type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('claim_expires_at')
        batch_op.drop_column('claimed_by_key_id')
    op.drop_index('ix_review_events_dossier_id', table_name='review_events')
    op.drop_table('review_events')
