"""casework: first contact (先行联系) limits, 挂起 spans and 甄别/申诉 appeals (issue 17)

Revision ID: 0018_casework
Revises: ticket_forwarding
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

FIGURES = ('contacted', 'suspended', 'suspended_minutes', 'appealed', 'appealed_rating')

revision = '0018_casework'
down_revision = 'ticket_forwarding'
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
    for name in FIGURES:
        op.add_column('figures_daily', sa.Column(name, sa.Integer(), nullable=False,
                                                 server_default='0'))
    when = hotline.models.base.UTCDateTime(timezone=True)
    op.create_table('ticket_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('resume_at', when, nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=40), nullable=False),
    sa.Column('requested_at', when, nullable=False),
    sa.Column('decided_by', sa.String(length=40), nullable=True),
    sa.Column('decided_at', when, nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('started_at', when, nullable=True),
    sa.Column('ended_at', when, nullable=True),
    sa.Column('ended_by', sa.String(length=40), nullable=True),
    sa.Column('clocks', sa.JSON(), nullable=False),
    sa.Column('working_seconds', sa.Integer(), nullable=False),
    sa.Column('calendar_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_ticket_suspensions_department_id_departments')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_suspensions_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_suspensions'))
    )
    op.create_index(op.f('ix_ticket_suspensions_ticket_id'), 'ticket_suspensions', ['ticket_id'])
    op.create_index('ix_ticket_suspensions_status_resume', 'ticket_suspensions',
                    ['status', 'resume_at'])
    op.create_table('ticket_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=40), nullable=False),
    sa.Column('requested_at', when, nullable=False),
    sa.Column('decided_by', sa.String(length=40), nullable=True),
    sa.Column('decided_at', when, nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_ticket_appeals_department_id_departments')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_appeals_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_appeals'))
    )
    op.create_index(op.f('ix_ticket_appeals_ticket_id'), 'ticket_appeals', ['ticket_id'])
    op.create_index('ix_ticket_appeals_status_requested', 'ticket_appeals',
                    ['status', 'requested_at'])


def downgrade() -> None:
    op.drop_table('ticket_appeals')
    op.drop_table('ticket_suspensions')
    for name in reversed(FIGURES):
        op.drop_column('figures_daily', name)
    op.drop_column('sla_policies', 'contact_unit')
    op.drop_column('sla_policies', 'contact_amount')
