"""incident_groups: 合并办理, a ticket's incident master (proposed at intake or added)

Revision ID: incident_groups
Revises: ticket_forwarding
"""
from alembic import op
import sqlalchemy as sa

revision = 'incident_groups'
down_revision = 'level_figures'
branch_labels = None
depends_on = None


# Plain add_column: batch mode on SQLite would rebuild `tickets` and drop its search triggers.
# SQLite cannot add a foreign key to an existing table, so the constraint is PostgreSQL's only.
def upgrade() -> None:
    op.add_column('tickets', sa.Column('incident_master_id', sa.Integer(), nullable=True))
    op.add_column('tickets', sa.Column('incident_score', sa.Float(), nullable=True))
    op.add_column('tickets', sa.Column('incident_confirmed', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.create_index('ix_tickets_incident_master_id', 'tickets', ['incident_master_id'])
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key('fk_tickets_incident_master_id_tickets', 'tickets', 'tickets',
                              ['incident_master_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_tickets_incident_master_id_tickets', 'tickets', type_='foreignkey')
    op.drop_index('ix_tickets_incident_master_id', table_name='tickets')
    op.drop_column('tickets', 'incident_confirmed')
    op.drop_column('tickets', 'incident_score')
    op.drop_column('tickets', 'incident_master_id')
