"""supervisor dashboard: indexes for its aggregates (district load, running clocks, approvals,
supervision orders by issue time)

Revision ID: 0007_dashboard
Revises: 0006_admin
"""
from alembic import op
import sqlalchemy as sa

revision = '0007_dashboard'
down_revision = '0006_admin'
branch_labels = None
depends_on = None

RUNNING = sa.text("stopped_at IS NULL")


def upgrade() -> None:
    op.create_index('ix_tickets_status_district_reply_due', 'tickets',
                    ['status', 'district', 'reply_due'])
    op.create_index('ix_deadline_clocks_running_due', 'deadline_clocks', ['due_at'],
                    postgresql_where=RUNNING, sqlite_where=RUNNING)
    op.create_index('ix_extension_requests_status_requested', 'extension_requests',
                    ['status', 'requested_at'])
    op.create_index('ix_supervision_orders_issued_at', 'supervision_orders', ['issued_at'])


def downgrade() -> None:
    op.drop_index('ix_supervision_orders_issued_at', table_name='supervision_orders')
    op.drop_index('ix_extension_requests_status_requested', table_name='extension_requests')
    op.drop_index('ix_deadline_clocks_running_due', table_name='deadline_clocks')
    op.drop_index('ix_tickets_status_district_reply_due', table_name='tickets')
