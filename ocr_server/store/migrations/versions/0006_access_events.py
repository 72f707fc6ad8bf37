"""access audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:25:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'access_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=True),
        sa.Column('dossier_id', sa.String(length=32), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_access_events_at', 'access_events', ['at'])
    op.create_index('ix_access_events_dossier_id', 'access_events', ['dossier_id'])


def downgrade() -> None:
    op.drop_index('ix_access_events_dossier_id', table_name='access_events')
    op.drop_index('ix_access_events_at', table_name='access_events')
    op.drop_table('access_events')
