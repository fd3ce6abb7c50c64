"""live_stamps: indexes that let the live-update poll read its stamps (count and latest change of
the tickets at the centre, and of a unit's) from the index alone.

Revision ID: live_stamps
Revises: notification_cause
"""
from alembic import op

revision = 'live_stamps'
down_revision = 'notification_cause'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tickets_status_updated', 'tickets', ['status', 'updated_at'])
    op.create_index('ix_tickets_department_updated', 'tickets', ['department_id', 'updated_at'])


def downgrade() -> None:
    op.drop_index('ix_tickets_department_updated', table_name='tickets')
    op.drop_index('ix_tickets_status_updated', table_name='tickets')
