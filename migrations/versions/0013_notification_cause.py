"""notification_cause: the reason many notices share (an SMS failure's error), so the notice list
shows one line per cause with a count instead of one per ticket.

Revision ID: notification_cause
Revises: ticket_street
"""
from alembic import op
import sqlalchemy as sa

revision = 'notification_cause'
down_revision = 'ticket_street'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('cause', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('cause')
