"""surge_alerts: 未诉先办 — surge alerts, 主动治理 tasks, the hot-phrase stop words administrators edit

Revision ID: surge_alerts
Revises: ticket_forwarding
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = 'surge_alerts'
down_revision = 'incident_groups'
branch_labels = None
depends_on = None


# New tables only: `tickets` itself is not altered (its search triggers stay as they are).
def upgrade() -> None:
    op.create_table('phrase_stop_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=20), nullable=False),
    sa.Column('keep', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phrase_stop_words')),
    sa.UniqueConstraint('word', name=op.f('uq_phrase_stop_words_word'))
    )
    op.create_table('surge_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window', sa.String(length=8), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=True),
    sa.Column('street', sa.String(length=16), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('window_start', hotline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', hotline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('observed', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Double(), nullable=False),
    sa.Column('surprise', sa.Double(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', hotline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_surge_alerts_topic_id_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surge_alerts'))
    )
    op.create_index('ix_surge_alerts_cell', 'surge_alerts',
                    ['street', 'topic_id', 'window', 'window_end'], unique=False)
    op.create_index(op.f('ix_surge_alerts_status'), 'surge_alerts', ['status'], unique=False)
    op.create_table('governance_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('due', hotline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', hotline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('closed_by', sa.String(length=40), nullable=True),
    sa.Column('closed_at', hotline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['surge_alerts.id'], name=op.f('fk_governance_tasks_alert_id_surge_alerts')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_governance_tasks_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_tasks')),
    sa.UniqueConstraint('alert_id', name=op.f('uq_governance_tasks_alert_id'))
    )
    op.create_index(op.f('ix_governance_tasks_department_id'), 'governance_tasks',
                    ['department_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_governance_tasks_department_id'), table_name='governance_tasks')
    op.drop_table('governance_tasks')
    op.drop_index(op.f('ix_surge_alerts_status'), table_name='surge_alerts')
    op.drop_index('ix_surge_alerts_cell', table_name='surge_alerts')
    op.drop_table('surge_alerts')
    op.drop_table('phrase_stop_words')
