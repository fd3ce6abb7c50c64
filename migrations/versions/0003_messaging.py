"""messaging: outbox, message templates (seeded with the defaults), follow-ups, tracking codes

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

UTC = hotline.models.base.UTCDateTime()


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('line', sa.String(length=8), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('intake_id', sa.Integer(), nullable=True),
    sa.Column('ticket_number', sa.String(length=20), nullable=False),
    sa.Column('to_addr', sa.String(length=40), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('provider_status', sa.String(length=16), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTC, nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('claimed_at', UTC, nullable=True),
    sa.Column('sent_at', UTC, nullable=True),
    sa.Column('updated_at', UTC, nullable=False),
    sa.Column('handled_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['intake_id'], ['intakes.id'], name=op.f('fk_outbox_intake_id_intakes')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_outbox_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key')),
    sa.UniqueConstraint('provider_sid', name=op.f('uq_outbox_provider_sid'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status_next_attempt', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_to_created', ['to_addr', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_ticket_number'), ['ticket_number'], unique=False)

    templates = op.create_table('message_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates')),
    sa.UniqueConstraint('line', 'kind', name='uq_message_templates_line_kind')
    )

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('solved', sa.Integer(), nullable=True),
    sa.Column('satisfied', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=True),
    sa.Column('raw_text', sa.Text(), nullable=True),
    sa.Column('clarifications', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('asked_at', UTC, nullable=True),
    sa.Column('answered_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_follow_ups_department_id_departments')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_follow_ups_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('ticket_id', 'round', name='uq_follow_ups_ticket_round')
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_status_asked', ['status', 'asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_department_id'), ['department_id'], unique=False)

    op.create_table('tracking_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('expires_at', UTC, nullable=False),
    sa.Column('used_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_tracking_codes_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_codes'))
    )
    with op.batch_alter_table('tracking_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_codes_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('tracking_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_tracking_failures_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_failures'))
    )
    with op.batch_alter_table('tracking_failures', schema=None) as batch_op:
        batch_op.create_index('ix_tracking_failures_ticket_at', ['ticket_id', 'at'], unique=False)

    # The shipped wording for every line, so administrators edit rows rather than start blank.
    from datetime import UTC as tz, datetime

    from hotline.messaging.texts import DEFAULTS

    now = datetime.now(tz)
    op.bulk_insert(templates, [
        {'line': line, 'kind': kind, 'body': body, 'updated_at': now, 'updated_by': None}
        for line in ('12345', '12315', '12319')
        for kind, body in DEFAULTS.items()
    ])


def downgrade() -> None:
    with op.batch_alter_table('tracking_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_tracking_failures_ticket_at')
    op.drop_table('tracking_failures')
    with op.batch_alter_table('tracking_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_codes_ticket_id'))
    op.drop_table('tracking_codes')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_department_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_ticket_id'))
        batch_op.drop_index('ix_follow_ups_status_asked')
    op.drop_table('follow_ups')
    op.drop_table('message_templates')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_ticket_number'))
        batch_op.drop_index(batch_op.f('ix_outbox_ticket_id'))
        batch_op.drop_index('ix_outbox_to_created')
        batch_op.drop_index('ix_outbox_status_next_attempt')
    op.drop_table('outbox')
