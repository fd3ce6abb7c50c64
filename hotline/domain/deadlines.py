"""Which SLA policy applies to a ticket and when each of its deadline steps falls.

Pure: the app builds a `Planner` from its tables (policies, calendar overrides, loaded years)
once per catalogue version and hands it to the life-cycle functions, so deadline rules are
tested with plain objects and the worker pays no queries per ticket for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from hotline.domain.marks import N_
from routing.calendar import SHANGHAI, WorkingCalendar
from routing.errors import CalendarMissing
from routing.sla import Limit, SlaPolicy, Unit, deadline, extend, load_default_policies

if TYPE_CHECKING:
    from hotline.models import Ticket

DEFAULT_WARN_FRACTION = 0.75
DEFAULT_ESCALATE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class PolicyChoice:
    """One policy row as the planner needs it: what it matches and its limits."""

    name: str
    policy: SlaPolicy
    topic: str | None = None
    urgency: str | None = None


@dataclass(frozen=True)
class Window:
    """The instants of one deadline: yellow warning, due (red), escalation to the level above."""

    warn_at: datetime
    due_at: datetime
    escalate_at: datetime


def shown(moment: datetime) -> str:
    """A deadline as staff read it: Shanghai wall time (domain.md §3), with the year, because
    an extension or a 督办 order may fall in the next one."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


KIND_LABELS = {"dispatch": N_("分拨"), "sign": N_("签收"), "reply": N_("答复"),
               "contact": N_("先行联系")}


def kind_label(kind: str, translate: Callable[[str], str] = str) -> str:
    """A clock kind as staff read it: 分拨, 签收, 答复, 协办(unit), 督办#n — Chinese in the
    notices the domain writes, `translate`d on pages."""
    if kind.startswith("assist:"):
        return f"{translate(N_('协办'))}({kind.split(':', 1)[1]})"
    if kind.startswith("urge:"):
        return f"{translate(N_('督办'))}#{kind.split(':', 1)[1]}"
    if kind.startswith(("fsign:", "freply:")):  # a forwarded task's clocks (转派签收#n, 转派答复#n)
        label = N_("转派签收") if kind.startswith("fsign:") else N_("转派答复")
        return f"{translate(label)}#{kind.split(':', 1)[1]}"
    return translate(KIND_LABELS.get(kind, kind))


def due_phrase(due: datetime, now: datetime) -> str:
    """"将于…到期" or "已于…超期", by the tense at the moment the notice is written: a notice
    written late, or about a deadline already past, must not promise time that is gone."""
    return f"将于 {shown(due)} 到期" if due > now else f"已于 {shown(due)} 超期"


def presets(calendar: WorkingCalendar, now: datetime,
            days: Sequence[int] = (0, 1, 3, 5)) -> list[tuple[int, datetime]]:
    """Deadlines a supervisor picks instead of typing: the close of business `n` working days
    on (0 is the close of the working day `now` counts on — today's, unless work has stopped
    for the day). Years without a calendar give no preset rather than a guess."""
    chosen = []
    for n in days:
        try:
            chosen.append((n, calendar.add_working_days(now, n)))
        except CalendarMissing:
            continue
    return chosen


@cache
def _shipped() -> tuple[PolicyChoice, ...]:
    """The defaults of routing/default_sla.json: used when the table has no row for a ticket."""
    shipped = load_default_policies()
    return (PolicyChoice("general", shipped["general"]),
            PolicyChoice("emergency", shipped["emergency"], urgency="urgent"))


@dataclass
class Planner:
    calendar: WorkingCalendar
    policies: Sequence[PolicyChoice] = field(default_factory=_shipped)
    warn_fraction: float = DEFAULT_WARN_FRACTION
    escalate_after: timedelta = DEFAULT_ESCALATE_AFTER
    topic_chains: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    def chain(self, ticket: Ticket) -> tuple[str, ...]:
        """The ticket's topic code and its ancestors, from the cache when the id is known."""
        if ticket.topic_id is not None and ticket.topic_id in self.topic_chains:
            return self.topic_chains[ticket.topic_id]
        codes: list[str] = []
        topic = ticket.topic
        while topic is not None and topic.code not in codes:
            codes.append(topic.code)
            topic = topic.parent
        return tuple(codes)

    def choose(self, ticket: Ticket) -> PolicyChoice:
        """The most specific matching policy: urgency first, then the deepest topic."""
        return self.choose_for(self.chain(ticket), ticket.urgency.value if ticket.urgency else "normal")

    def choose_for(self, chain: tuple[str, ...], urgency: str) -> PolicyChoice:
        """`choose` for a topic chain and an urgency, when there is no ticket yet."""
        best: tuple[tuple[int, int], PolicyChoice] | None = None
        for choice in (*self.policies, *_shipped()):
            if choice.urgency is not None and choice.urgency != urgency:
                continue
            if choice.topic is not None and choice.topic not in chain:
                continue
            depth = len(chain) - chain.index(choice.topic) if choice.topic else 0
            key = (int(choice.urgency is not None), depth)
            if best is None or key > best[0]:
                best = (key, choice)
        assert best is not None  # the shipped general policy matches everything
        return best[1]

    def expected_reply(self, start: datetime) -> datetime | None:
        """The answer date to promise a citizen at intake, before anyone has read the request:
        the reply limit of an unclassified ticket of normal urgency (the general policy unless
        an administrator changed it). Triage may choose another policy (urgent, or a topic of
        its own): /track then shows the ticket's own deadline. None when that year has no
        calendar."""
        try:
            return self.window(start, self.choose_for((), "normal").policy.reply).due_at
        except CalendarMissing:
            return None

    def extension(self, old_due: datetime, days: int, at: datetime) -> datetime:
        """The reply deadline after `days` approved working days, counted from the later of the
        old deadline and the approval: time already overdue is not time granted, so an approved
        extension always ends in the future. Raises CalendarMissing for unknown years."""
        return extend(max(old_due, at), days, self.calendar)

    def extension_preview(self, old_due: datetime | None, days: int,
                          at: datetime) -> datetime | None:
        """What approving now would give, for the approval forms; None when it cannot be told
        (no deadline, or a year without a calendar: approving would then say why)."""
        if old_due is None:
            return None
        try:
            return self.extension(old_due, days, at)
        except CalendarMissing:
            return None

    def window(self, start: datetime, limit: Limit) -> Window:
        """Warning, due and escalation instants; raises CalendarMissing for unknown years."""
        due = deadline(start, limit, self.calendar)
        # routing.sla.checkpoint's rule, without computing the deadline a second time.
        return self.window_until(start, due, limit.unit)

    def window_until(self, start: datetime, due: datetime, unit: Unit) -> Window:
        """A window for a deadline given as an instant (an extension, a 督办 order's date).

        The warning is measured in the same kind of time as the limit it replaces, so a
        working-day deadline never warns over a weekend.
        """
        if unit is Unit.CALENDAR_HOURS or due <= start:
            warn = start + (due - start) * self.warn_fraction if due > start else due
        else:
            worked = self.calendar.working_time_between(start, due) * self.warn_fraction
            warn = self.calendar.add_working_time(start, worked)
        return Window(warn.astimezone(UTC), due.astimezone(UTC), due.astimezone(UTC) + self.escalate_after)
