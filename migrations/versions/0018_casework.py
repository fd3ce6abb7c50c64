"""casework: first contact (先行联系) limits, 挂起 spans and 甄别/申诉 appeals (issue 17)

Revision ID: 0018_casework
Revises: citizen_location
"""
from alembic import op
import sqlalchemy as sa

revision = '0018_casework'
down_revision = 'citizen_location'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode (see migration citizen_location).
def upgrade() -> None:
    op.add_column('sla_policies', sa.Column('contact_amount', sa.Float(), nullable=False,
                                            server_default='2'))
    op.add_column('sla_policies', sa.Column('contact_unit', sa.String(length=16), nullable=False,
                                            server_default='working_hours'))
    # Policies that count the unit's sign-for in calendar hours (emergencies, utilities) count
    # the first contact in calendar hours too; an emergency within one hour, as it signs.
    op.execute("UPDATE sla_policies SET contact_unit = 'calendar_hours' "
               "WHERE sign_unit = 'calendar_hours'")
    op.execute("UPDATE sla_policies SET contact_amount = 1 WHERE urgency = 'urgent'")
    op.add_column('figures_daily', sa.Column('contacted', sa.Integer(), nullable=False,
                                             server_default='0'))


def downgrade() -> None:
    op.drop_column('figures_daily', 'contacted')
    op.drop_column('sla_policies', 'contact_unit')
    op.drop_column('sla_policies', 'contact_amount')
