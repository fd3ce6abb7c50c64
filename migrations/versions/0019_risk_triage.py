"""risk_triage: risk rules, the duty supervisors' roster and the ticket's risk mark

Revision ID: 0019_risk_triage
Revises: ticket_forwarding
"""
from alembic import op
import sqlalchemy as sa

revision = '0019_risk_triage'
down_revision = '0018_casework'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on `tickets`, not batch mode: rebuilding it on SQLite would drop the search
# index's triggers (migration search_index). The shipped rules are seeded by hotline.seed.
def upgrade() -> None:
    op.create_table(
        'risk_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(40), nullable=False),
        sa.Column('category', sa.String(24), nullable=False),
        sa.Column('level', sa.String(8), nullable=False),
        sa.Column('kind', sa.String(8), nullable=False),
        sa.Column('pattern', sa.Text(), nullable=False),
        sa.Column('negatable', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_rules')),
        sa.UniqueConstraint('name', name=op.f('uq_risk_rules_name')),
    )
    op.create_table(
        'duty_supervisors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(40), nullable=False),
        sa.Column('phone', sa.String(20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_supervisors')),
    )
    op.add_column('tickets', sa.Column('risk_category', sa.String(24), nullable=True))
    op.add_column('tickets', sa.Column('risk_level', sa.String(8), nullable=True))
    op.create_index('ix_tickets_risk_level_status', 'tickets', ['risk_level', 'status'])


def downgrade() -> None:
    op.drop_index('ix_tickets_risk_level_status', table_name='tickets')
    op.drop_column('tickets', 'risk_level')
    op.drop_column('tickets', 'risk_category')
    op.drop_table('duty_supervisors')
    op.drop_table('risk_rules')
