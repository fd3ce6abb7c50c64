"""Tables of the ticket workflow: places, SLA policies, the working calendar, assisting tasks,
extension requests, supervision orders, deadline clocks and their escalation marks, the staff
inbox, the admin audit log and the routing-catalogue version stamp.

Relationships to `Ticket` are declared here with backrefs so the ticket module stays as it is;
`ticket.assist_tasks`, `ticket.extensions`, `ticket.orders` and `ticket.clocks` exist on every
ticket, transient ones included, which keeps the life-cycle rules testable without a database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from hotline.models.base import Base, utcnow
from hotline.models.catalogue import Topic
from hotline.models.org import Department, User
from hotline.models.ticket import Ticket


class CatalogueVersion(Base):
    """A stamp changed on every admin edit of routing data (rules, places, SLA, calendar).

    Workers cache the whole catalogue per process and compare this one row once per job, so
    routing costs no queries per ticket and an edit is seen by the next job everywhere. A random
    stamp rather than a counter: a counter restarts at the same value after a table is emptied,
    and a stale cache would then look current.
    """

    __tablename__ = "catalogue_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Place(Base):
    """A district, street or community (社区/村) of the city's gazetteer, with the aliases
    citizens write. A community lies in a street (`street_code`) of its district."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # "district" | "street" | "community"
    district_code: Mapped[str] = mapped_column(String(16), index=True)
    street_code: Mapped[str | None] = mapped_column(String(16))  # a community's street
    aliases: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    active: Mapped[bool] = mapped_column(default=True)
    # The place's point (WGS 84 degrees, both or neither): where a ticket located only by this
    # community, street or district is drawn on the map, marked approximate (routing.geo).
    lat: Mapped[float | None]
    lng: Mapped[float | None]

    @property
    def point(self) -> tuple[float, float] | None:
        return (self.lat, self.lng) if self.lat is not None and self.lng is not None else None

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split(",") if a.strip()]


class CityMap(Base):
    """A version of the city's boundary GeoJSON (districts, and streets where it has them).

    The newest row is the map the dashboard and the citizen form draw; older rows stay as the
    history of uploads (the audit log says who uploaded each). Stored whole, as uploaded and
    checked (hotline.admin.places), since ECharts reads GeoJSON as it is.
    """

    __tablename__ = "city_maps"

    id: Mapped[int] = mapped_column(primary_key=True)
    geojson: Mapped[dict[str, Any]]
    features: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")


class SlaPolicyRow(Base):
    """A time-limit policy; the most specific active row for a ticket applies.

    Specificity: an urgency match beats any topic (an emergency counts calendar hours whatever
    its topic), then the deepest topic of the ticket's chain, then the catch-all row.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    urgency: Mapped[str | None] = mapped_column(String(16))
    dispatch_amount: Mapped[float]
    dispatch_unit: Mapped[str] = mapped_column(String(16))
    sign_amount: Mapped[float]
    sign_unit: Mapped[str] = mapped_column(String(16))
    reply_amount: Mapped[float]
    reply_unit: Mapped[str] = mapped_column(String(16))
    # 先行联系, from sign-for (routing.sla.DEFAULT_CONTACT unless an administrator changed it).
    contact_amount: Mapped[float] = mapped_column(default=2, server_default="2")
    contact_unit: Mapped[str] = mapped_column(String(16), default="working_hours",
                                              server_default="working_hours")
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))

    topic: Mapped[Topic | None] = relationship()

    def limits(self) -> dict[str, dict[str, Any]]:
        """As routing.sla.SlaPolicy.from_dict reads it."""
        return {
            step: {"amount": getattr(self, f"{step}_amount"), "unit": getattr(self, f"{step}_unit")}
            for step in ("dispatch", "sign", "reply", "contact")
        }


class CalendarDay(Base):
    """An administrator's ruling on one date (typhoon closure, late State Council change)."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(60), default="")


class CalendarYear(Base):
    """A year whose calendar an administrator typed in entirely ("loaded year")."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(String(200), default="")


class AssistTask(Base):
    """协办: an assisting unit's own task and deadline on a ticket another unit leads."""

    __tablename__ = "assist_tasks"
    __table_args__ = (UniqueConstraint("ticket_id", "department_id", name="uq_assist_tasks_ticket_dept"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | waived
    due: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(
        backref=backref("assist_tasks", order_by="AssistTask.id", cascade="save-update, merge")
    )
    department: Mapped[Department] = relationship()

    @property
    def open(self) -> bool:
        return self.status == "open"


class UnitRequest:
    """What a unit's request to the centre and the centre's decision share (延期 extensions,
    挂起 suspensions, 甄别/申诉 appeals): the ticket and unit, who asked when and why, its status
    (pending, then decided), and who decided when with what note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    requested_by: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)


class ExtensionRequest(UnitRequest, Base):
    """延期: a unit's request for more time; the deadline moves only when it is approved."""

    __tablename__ = "extension_requests"
    __table_args__ = (Index("ix_extension_requests_status_requested", "status", "requested_at"),)

    # status: pending|approved|refused
    days: Mapped[int]
    old_due: Mapped[datetime | None]
    new_due: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(
        backref=backref("extensions", order_by="ExtensionRequest.id", cascade="save-update, merge")
    )


class SupervisionOrder(Base):
    """督办: a supervisor's order on a ticket, with a note and its own deadline."""

    __tablename__ = "supervision_orders"
    __table_args__ = (Index("ix_supervision_orders_issued_at", "issued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    seq: Mapped[int]
    note: Mapped[str] = mapped_column(Text)
    due: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(
        backref=backref("orders", order_by="SupervisionOrder.id", cascade="save-update, merge")
    )


class DeadlineClock(Base):
    """One running deadline of a ticket (dispatch, sign, reply, an assist task, a 督办 order).

    The escalation scan reads only `WHERE next_check_at <= now` on a partial index, so its cost
    grows with the clocks that are due, not with the open tickets; a stopped clock has no
    next_check_at and drops out of the index.
    """

    __tablename__ = "deadline_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", name="uq_deadline_clocks_ticket_kind"),
        Index("ix_deadline_clocks_next_check", "next_check_at",
              postgresql_where=text("next_check_at IS NOT NULL"),
              sqlite_where=text("next_check_at IS NOT NULL")),
        # The supervisors' overdue and nearly-due list reads running clocks by deadline.
        Index("ix_deadline_clocks_running_due", "due_at", "warn_at",
              postgresql_where=text("stopped_at IS NULL"), sqlite_where=text("stopped_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(24))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    started_at: Mapped[datetime]
    warn_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    escalate_at: Mapped[datetime | None]
    stage: Mapped[int] = mapped_column(default=0)  # 0 running, 1 warned, 2 overdue, 3 escalated
    next_check_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(
        backref=backref("clocks", order_by="DeadlineClock.id", cascade="save-update, merge")
    )
    department: Mapped[Department | None] = relationship()


class EscalationMark(Base):
    """Proof that one escalation step happened for one deadline value of one ticket.

    The unique key makes each step happen exactly once even with two schedulers running; a
    moved deadline (approved extension) is a new value and so gets its own steps.
    """

    __tablename__ = "escalation_marks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "deadline_kind", "deadline_at", "step",
                         name="uq_escalation_marks_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    deadline_kind: Mapped[str] = mapped_column(String(24))
    deadline_at: Mapped[datetime]
    step: Mapped[str] = mapped_column(String(12))  # warning | overdue | escalated
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """An in-app message to staff, addressed to a post rather than a person.

    `department_id` and `role` narrow the audience (both empty: everyone); reading is tracked per
    user in `notification_reads`, so one row serves a whole unit. `user_id` narrows it to one
    person of that unit: the handler (经办人) a ticket was just given to.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_audience", "department_id", "role", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8), default="info")  # info | yellow | red
    body: Mapped[str] = mapped_column(Text)
    # Why, when many notices share one reason (an SMS failure's error): the list shows one line
    # per cause instead of one per ticket. NULL: grouped by kind and ticket.
    cause: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket | None] = relationship(
        backref=backref("notifications", cascade="save-update, merge")
    )
    department: Mapped[Department | None] = relationship()


class NotificationRead(Base):
    __tablename__ = "notification_reads"
    __table_args__ = (UniqueConstraint("notification_id", "user_id", name="uq_notification_reads"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Every administrator change: who, when, what, and the row before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(12))  # create | update | delete
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()

    user: Mapped[User | None] = relationship()
