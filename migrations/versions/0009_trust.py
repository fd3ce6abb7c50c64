"""trust: a per-user session generation (sign-out everywhere on logout, password reset and
deactivation) and the client behind each failed tracking proof (lock per ticket and client)

Revision ID: 0009_trust
Revises: 0008_figures
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_trust'
down_revision = '0008_figures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                   server_default='0'))
    with op.batch_alter_table('tracking_failures') as batch:
        batch.add_column(sa.Column('client', sa.String(length=64), nullable=False,
                                   server_default=''))
    op.create_index('ix_tracking_failures_ticket_client_at', 'tracking_failures',
                    ['ticket_id', 'client', 'at'])


def downgrade() -> None:
    op.drop_index('ix_tracking_failures_ticket_client_at', table_name='tracking_failures')
    with op.batch_alter_table('tracking_failures') as batch:
        batch.drop_column('client')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_generation')
