"""admin: line numbers as data; audit log filtered by entity

Revision ID: 0006_admin
Revises: 0005_knowledge
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_admin'
down_revision = '0005_knowledge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('line_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('line', sa.String(length=8), nullable=False),
    sa.Column('greeting', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_numbers')),
    sa.UniqueConstraint('number', name=op.f('uq_line_numbers_number'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity_entity_id', ['entity', 'entity_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity_entity_id')
    op.drop_table('line_numbers')
