"""The periodic schedule, read by `rq cron` (RQ's CronScheduler) or `flask --app hotline scheduler`.

Each periodic job is idempotent, so two schedulers running at once do no harm.
"""

from __future__ import annotations

from rq import cron

from hotline.app.queue import DEFAULT_QUEUE
from workers.jobs import sweep_intakes
from workers.messaging import sweep_follow_ups, sweep_outbox

SWEEP_SECONDS = 30

cron.register(sweep_intakes, queue_name=DEFAULT_QUEUE, interval=SWEEP_SECONDS)
# Outbox rows whose job was lost, and follow-ups: ask without receipt, close as not rated.
cron.register(sweep_outbox, queue_name=DEFAULT_QUEUE, interval=SWEEP_SECONDS)
cron.register(sweep_follow_ups, queue_name=DEFAULT_QUEUE, interval=3600)
# Deadline warnings, overdue marks and escalation (hotline.tickets.escalation): exactly once per step.
from workers.deadlines import scan_deadlines  # noqa: E402

DEADLINE_SCAN_SECONDS = 60
cron.register(scan_deadlines, queue_name=DEFAULT_QUEUE, interval=DEADLINE_SCAN_SECONDS)
# The dashboard's figures (hotline.reporting.figures): the days whose tickets changed since the last run.
from workers.figures import refresh_figures  # noqa: E402

FIGURES_SECONDS = 60
cron.register(refresh_figures, queue_name=DEFAULT_QUEUE, interval=FIGURES_SECONDS)
# 未诉先办: street × topic counts against their own weeks before (hotline.reporting.surges).
from workers.hotspots import scan_surges  # noqa: E402

SURGE_SCAN_SECONDS = 900
cron.register(scan_surges, queue_name=DEFAULT_QUEUE, interval=SURGE_SCAN_SECONDS)
