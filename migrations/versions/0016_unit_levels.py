"""unit_levels: the community level (社区/村) under the streets, the street a ticket is about
with what found it, dispatch rules on a street (直派街乡), and the handler (经办人) of a ticket
within its unit.

`departments.level` is stored as plain text (no CHECK constraint), so `community` needs no
change there.

Revision ID: 0016_unit_levels
Revises: citizen_location
"""
from alembic import op
import sqlalchemy as sa

revision = '0016_unit_levels'
down_revision = 'citizen_location'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: rebuilding `tickets` on SQLite would drop the search
# index's triggers (migration search_index).
def upgrade() -> None:
    op.add_column('tickets', sa.Column('street_found', sa.JSON(), nullable=True))
    op.add_column('tickets', sa.Column(
        'handler_id', sa.Integer(),
        sa.ForeignKey('users.id', name='fk_tickets_handler_id_users'), nullable=True),
        inline_references=True)  # SQLite adds no constraint by ALTER, only inline
    op.create_index('ix_tickets_handler_status', 'tickets', ['handler_id', 'status'])
    op.add_column('dispatch_rules', sa.Column('street', sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column('dispatch_rules', 'street')
    op.drop_index('ix_tickets_handler_status', table_name='tickets')
    op.drop_column('tickets', 'handler_id')  # its foreign key goes with it on both databases
    op.drop_column('tickets', 'street_found')
