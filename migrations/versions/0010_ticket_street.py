"""ticket_street: the street (街道) the gazetteer found, beside the district, so the overdue list
and the queues filter by it. Tickets located before this revision keep NULL.

Revision ID: ticket_street
Revises: 0009_trust
"""
from alembic import op
import sqlalchemy as sa

revision = 'ticket_street'
down_revision = '0009_trust'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('street', sa.String(length=16), nullable=True))
    op.create_index('ix_tickets_street', 'tickets', ['street'])


def downgrade() -> None:
    op.drop_index('ix_tickets_street', table_name='tickets')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('street')
