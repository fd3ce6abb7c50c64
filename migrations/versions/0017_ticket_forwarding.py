"""ticket_forwarding: 转派/下派, a descendant unit's task on a ticket its ancestor leads

Revision ID: ticket_forwarding
Revises: citizen_location
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = 'ticket_forwarding'
down_revision = '0016_unit_levels'
branch_labels = None
depends_on = None


# A new table only: `tickets` itself is not altered (its search triggers stay as they are).
def upgrade() -> None:
    op.create_table('forward_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('forwarded_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', hotline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sign_due', hotline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reply_due', hotline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_at', hotline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replied_at', hotline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', hotline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_forward_tasks_department_id_departments')),
    sa.ForeignKeyConstraint(['parent_id'], ['departments.id'], name=op.f('fk_forward_tasks_parent_id_departments')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_forward_tasks_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forward_tasks')),
    sa.UniqueConstraint('ticket_id', 'seq', name='uq_forward_tasks_ticket_seq')
    )
    op.create_index('ix_forward_tasks_department_status', 'forward_tasks',
                    ['department_id', 'status'], unique=False)
    op.create_index(op.f('ix_forward_tasks_ticket_id'), 'forward_tasks', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_forward_tasks_ticket_id'), table_name='forward_tasks')
    op.drop_index('ix_forward_tasks_department_status', table_name='forward_tasks')
    op.drop_table('forward_tasks')
