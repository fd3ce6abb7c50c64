"""ticket_street: the street (街道) the gazetteer found, beside the district, so the overdue list
and the queues filter by it. Tickets located before this revision keep NULL.

Revision ID: ticket_street
Revises: saved_views
"""
from alembic import op
import sqlalchemy as sa

revision = 'ticket_street'
down_revision = 'saved_views'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: rebuilding `tickets` on SQLite would drop the search
# index's triggers (migration search_index).
def upgrade() -> None:
    op.add_column('tickets', sa.Column('street', sa.String(length=16), nullable=True))
    op.create_index('ix_tickets_street', 'tickets', ['street'])


def downgrade() -> None:
    op.drop_index('ix_tickets_street', table_name='tickets')
    op.drop_column('tickets', 'street')
