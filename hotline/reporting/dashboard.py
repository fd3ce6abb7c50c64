"""The supervisors' dashboard (督办/领导): "看少、看快、看关键".

Every table the page shows is a `Table` built here, and the XLSX/CSV exports write the very
same `Table`, so what a supervisor downloads is what they saw. The figures come from
hotline.reporting.figures (SQL aggregates); this module only names, labels and orders them.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.reply_quality import ReplyQuality, assess
from classifier.trends import hot_topics
from hotline.app.i18n import Labels, one_language
from hotline.app.labels import CHANNEL_LABELS, LINE_LABELS
from hotline.app.tables import Rate, Table
from hotline.catalogue import snapshot
from hotline.domain.deadlines import kind_label
from hotline.domain.errors import InvalidInput
from hotline.domain.lifecycle import APPEAL_KINDS
from hotline.models import LEVEL_RANK, Department, Level, Place, Topic
from hotline.reporting import figures, phrases, street_map
from hotline.reporting.figures import Counts, Period
from hotline.tickets.escalation import clock_state
from hotline.tickets.reply_review import BAND_LABELS

DEADLINE_ROWS = 50  # rows of the deadlines list on a page (the dashboard's, the overdue list's)
LIST_ROWS = 20  # rows of the other lists on the dashboard
HOT_TOPIC_SAMPLE = 1500  # latest texts of the week (and of the baseline) the phrases come from
HOT_TOPIC_TTL = 900.0  # seconds a computed week of hot topics is reused
_hot_cache: dict[str, tuple[float, list[Any]]] = {}


def line_labels() -> dict[str, str]:
    return dict(Labels(LINE_LABELS))


def channel_labels() -> dict[str, str]:
    return dict(Labels(CHANNEL_LABELS))


def state_labels() -> dict[str, str]:
    return {"red": _("超期"), "yellow": _("临期"), "green": _("正常"), "missing": _("缺日历"),
            "overdue": _("已超期"), "open": _("办理中"), "done_late": _("逾期完成"),
            "done": _("按时完成")}


def _count_headers(first: str) -> list[str]:
    return [first, _("受理量"), _("重复件"), _("派单"), _("按时签收"), _("响应率"), _("已答复"),
            _("按时答复"), _("按时办结率"), _("解决率"), _("满意率"), _("未评价"), _("在办"),
            _("超期"), *_casework_headers()]


def _count_row(name: str, c: Counts) -> list[Any]:
    return [name, c.volume, c.repeats, c.dispatched, c.responded, Rate(c.response_rate),
            c.answered, c.on_time, Rate(c.on_time_rate), Rate(c.solution_rate),
            Rate(c.satisfaction_rate), c.not_rated, c.open, c.overdue, *_casework_cells(c)]


# casework (issue 17): beside the rates, what 挂起 and approved appeals took out of them.
def _casework_headers() -> list[str]:
    return [_("挂起件"), _("挂起工时"), _("申诉剔除（四率）"), _("申诉剔除（评价）")]


def _casework_cells(c: Counts) -> list[Any]:
    return [c.suspended, round(c.suspended_minutes / 60, 1), c.appealed, c.appealed_rating]


class Dashboard:
    """The figures of one request: queries run lazily, each at most once."""

    def __init__(self, session: Session, period: Period, now: datetime, *,
                 everything: bool = False, response_basis: str = figures.RESPONSE_ON_SIGN,
                 district: str | None = None, map_street: str | None = None) -> None:
        """`everything`: the lists carry every row, not the first ones (the exports);
        `response_basis`: what 响应率 counts (hotline.reporting.figures.breakdowns);
        `district`: the district drilled down to its streets (checked when first read);
        `map_street`: the street the map is drilled into, showing its communities (checked
        when first read)."""
        self.session, self.period, self.now = session, period, now
        self.everything = everything
        self.response_basis = response_basis
        self._district = (district or "").strip() or None
        self._map_street = (map_street or "").strip() or None

    def _first(self, n: int) -> int | None:
        return None if self.everything else n

    # --- labels -------------------------------------------------------------------------------

    @cached_property
    def units(self) -> dict[Any, str]:
        labels: dict[Any, str] = {None: _("中心（待分拨）")}
        labels.update({d.id: d.label for d in self.session.scalars(select(Department))})
        return labels

    @cached_property
    def active_units(self) -> list[Department]:
        """Where an arbitrated ticket may go."""
        return list(self.session.scalars(select(Department).where(Department.active)
                                         .order_by(LEVEL_RANK, Department.code)))

    @cached_property
    def districts(self) -> dict[Any, str]:
        labels: dict[Any, str] = {None: _("未知区县")}
        labels.update({p.code: p.name for p in self.session.scalars(
            select(Place).where(Place.kind == "district"))})
        return labels

    @cached_property
    def _topics(self) -> list[Topic]:
        return list(self.session.scalars(select(Topic)))

    @cached_property
    def topic_roots(self) -> dict[int, int]:
        """Each topic's first-level topic, from the parent links already loaded."""
        parent = {t.id: t.parent_id for t in self._topics}

        def root(topic_id: int) -> int:
            while parent.get(topic_id) is not None:
                topic_id = parent[topic_id]  # type: ignore[assignment]
            return topic_id

        return {t: root(t) for t in parent}

    def _labelled(self, dim: str) -> list[tuple[str, Counts]]:
        label: dict[Any, str] = {
            "unit": self.units, "district": self.districts, "line": line_labels(),
            "channel": channel_labels(),
            "topic": {None: _("未分类"), **{t.id: t.name for t in self._topics}},
        }[dim]
        groups = self.figures.by[dim]
        rows = [(label.get(k, str(k)), c) for k, c in groups.items()]
        return sorted(rows, key=lambda kc: (-kc[1].volume, kc[0]))

    # --- figures ------------------------------------------------------------------------------

    @cached_property
    def figures(self) -> figures.Breakdowns:
        return figures.breakdowns(self.session, self.period, self.topic_roots,
                                  self.response_basis)

    @cached_property
    def trend(self) -> list[figures.Day]:
        return figures.daily_trend(self.session, self.period)

    @cached_property
    def refreshed_at(self) -> datetime | None:
        return figures.refreshed_at(self.session)

    @cached_property
    def district_load(self) -> list[figures.DistrictLoad]:
        return figures.district_load(self.session, self.now)

    @cached_property
    def orders(self) -> tuple[dict[str, int], figures.Page]:
        return figures.supervision_orders(self.session, self.period, self.now,
                                          self._first(LIST_ROWS))

    @cached_property
    def overdue_total(self) -> int:
        return figures.overdue_count(self.session, self.now)

    def hot_topics(self) -> list[Any]:
        """The week's phrases over-represented against the three weeks before (cached; a change
        of the stop-word list is a new key, so an administrator's edit shows at once)."""
        stop = phrases.stop_words(self.session)
        key = f"{self.period.end.isoformat()}:{hash(stop)}"
        hit = _hot_cache.get(key)
        if hit and clock.monotonic() - hit[0] < HOT_TOPIC_TTL:
            return hit[1]
        hi = self.period.bounds[1]
        week = figures.period_texts(self.session, hi - timedelta(days=7), hi, HOT_TOPIC_SAMPLE)
        before = figures.period_texts(self.session, hi - timedelta(days=28),
                                      hi - timedelta(days=7), HOT_TOPIC_SAMPLE)
        found = hot_topics(week, before, top=10, stop_words=stop)
        _hot_cache.clear()
        _hot_cache[key] = (clock.monotonic(), found)
        return found

    # --- the tables ---------------------------------------------------------------------------

    def table(self, key: str) -> Table:
        return TABLES[key](self)

    @cached_property
    def street_places(self) -> list[Place]:
        """The gazetteer's streets, district by district (the overdue list's street choice)."""
        return list(self.session.scalars(select(Place).where(Place.kind == "street")
                                         .order_by(Place.district_code, Place.code)))

    @cached_property
    def streets(self) -> dict[Any, str]:
        return {p.code: p.name for p in self.street_places}

    def deadlines(self, where: figures.DeadlineFilter | None = None, page: int = 1) -> Table:
        """Running deadlines past their warning time, overdue first, with how many days late.

        超期天数 counts calendar days, rounded up (an hour late is day 1): what the citizen has
        waited beyond the promise, whichever clock (working or calendar time) set the deadline.
        """
        per_page = self._first(DEADLINE_ROWS)
        found = figures.deadlines_due(self.session, self.now, per_page,
                                      (page - 1) * (per_page or 0), where)
        labels = state_labels()
        rows, numbers = [], []
        for c, t in found.rows:
            state = clock_state(c, self.now)
            rows.append([labels.get(state, state), t.number, kind_label(c.kind, _), c.due_at,
                         days_late(c.due_at, self.now), self.units.get(c.department_id, ""),
                         self.districts.get(t.district, t.district or ""),
                         self.streets.get(t.street, t.street or "")])
            numbers.append(t.number)
        return Table("deadlines", _("超期与临期（超期在前）"),
                     [_("状态"), _("工单号"), _("时限"), _("截止"), _("超期天数"), _("单位"),
                      _("区县"), _("街道")],
                     rows, numbers, found.total,
                     caption=_("超期天数按自然日计，不足一天按一天（超期 1 小时即为 1 天）。"))

    def deadline_filter(self, args: Any) -> figures.DeadlineFilter:
        """The overdue list's filters from a request: unit and place codes, checked (400)."""
        unit_code = (args.get("unit") or "").strip()
        unit_id = None
        if unit_code:
            code = unit_code[unit_code.rindex("（") + 1:-1] if unit_code.endswith("）") \
                and "（" in unit_code else unit_code
            unit = next((d for d in self.active_units if d.code == code), None)
            if unit is None:
                raise InvalidInput(f"未知单位 / unknown unit: {unit_code}", field="unit")
            unit_id = unit.id
        district = (args.get("district") or "").strip() or None
        if district is not None and district not in self.districts:
            raise InvalidInput(f"未知区县 / unknown district: {district}", field="district")
        street = (args.get("street") or "").strip() or None
        if street is not None and street not in self.streets:
            raise InvalidInput(f"未知街道 / unknown street: {street}", field="street")
        return figures.DeadlineFilter(unit_id, district, street,
                                      args.get("overdue") in ("1", "on", "true"))

    def extensions(self) -> Table:
        page = figures.pending_extensions(self.session, self._first(LIST_ROWS))
        planner = snapshot.current(self.session).planner
        rows = [[t.number, self.units.get(t.department_id, ""), r.days, r.reason, r.requested_by,
                 r.requested_at, t.reply_due,
                 planner.extension_preview(t.reply_due, r.days, self.now)] for r, t in page.rows]
        return Table("extensions", _("待审批延期"),
                     [_("工单号"), _("单位"), _("延期工作日"), _("理由"), _("申请人"), _("申请时间"),
                      _("当前答复时限"), _("批准后答复时限")], rows,
                     [t.number for _r, t in page.rows], page.total)

    def suspensions(self) -> Table:
        page = figures.pending_suspensions(self.session, self._first(LIST_ROWS))
        rows = [[t.number, self.units.get(t.department_id, ""), r.reason, r.until, r.requested_by,
                 r.requested_at, t.reply_due] for r, t in page.rows]
        return Table("suspensions", _("待审批挂起"),
                     [_("工单号"), _("单位"), _("理由"), _("挂起至"), _("申请人"), _("申请时间"),
                      _("当前答复时限")], rows, [t.number for _r, t in page.rows], page.total)

    def appeals(self) -> Table:
        page = figures.pending_appeals(self.session, self._first(LIST_ROWS))
        kinds = Labels(APPEAL_KINDS)
        rows = [[t.number, self.units.get(t.department_id, ""), kinds.get(a.kind, a.kind),
                 a.reason, a.requested_by, a.requested_at] for a, t in page.rows]
        return Table("appeals", _("待审核申诉"),
                     [_("工单号"), _("单位"), _("申诉类型"), _("理由"), _("申请人"), _("申请时间")],
                     rows, [t.number for _a, t in page.rows], page.total)

    def arbitration(self) -> Table:
        page = figures.awaiting_arbitration(self.session, self._first(LIST_ROWS))
        rows = [[t.number, returns, self.districts.get(t.district, t.district or ""),
                 _short(t.content)] for t, returns in page.rows]
        return Table("arbitration", _("待仲裁退单"),
                     [_("工单号"), _("退单次数"), _("区县"), _("诉求摘要")], rows,
                     [t.number for t, _n in page.rows], page.total)

    def review(self) -> Table:
        """Replies awaiting 审核, each with the reply-quality check (hotline.tickets.reply_review),
        so a supervisor approving from this list sees the evasive ones too."""
        page = figures.awaiting_review(self.session, self._first(LIST_ROWS))
        answers = figures.latest_replies(self.session, [t.id for (t,) in page.rows])
        rows = []
        for (t,) in page.rows:
            answer = answers.get(t.id, "")
            quality = assess(t.content, answer) if answer else None
            rows.append([t.number, self.units.get(t.department_id, ""), t.updated_at,
                         _short(t.content), answer, quality.score if quality else None,
                         _quality_note(quality)])
        return Table("review", _("待审核答复"),
                     [_("工单号"), _("单位"), _("答复时间"), _("诉求摘要"), _("答复内容"), _("质量分"),
                      _("质量提示")],
                     rows, [t.number for (t,) in page.rows], page.total)

    def supervision(self) -> Table:
        _counts, page = self.orders
        labels = state_labels()
        rows = [[t.number, o.seq, labels.get(state, state), o.note, o.issued_by, o.issued_at,
                 o.due, o.resolved_at] for o, t, state in page.rows]
        return Table("orders", _("本期督办单明细"),
                     [_("工单号"), _("督办序号"), _("状态"), _("督办意见"), _("督办人"), _("下达时间"),
                      _("督办时限"), _("完成时间")], rows, [t.number for _o, t, _s in page.rows],
                     page.total)

    def ranking(self) -> Table:
        rows = []
        for i, (key, c) in enumerate(figures.ranked(self.figures.by["unit"]), start=1):
            rows.append([i, *_count_row(self.units.get(key, str(key)), c), Rate(c.score)])
        headers = [_("名次"), *_count_headers(_("单位")), _("综合得分")]
        return Table("ranking", _("单位排名（三率均值）"), headers, rows,
                     caption=_("综合得分为响应率、解决率、满意率三者的平均；重复件与未评价不计入。"))

    def breakdown(self, dim: str) -> Table:
        names = {"unit": _("单位"), "district": _("区县"), "topic": _("分类"), "line": _("热线"),
                 "channel": _("渠道")}
        rows = [_count_row(name, c) for name, c in self._labelled(dim)]
        rows.append(_count_row(_("合计"), self.figures.total))
        return Table(f"by_{dim}", _("按%(what)s统计", what=names[dim]), _count_headers(names[dim]),
                     rows)

    def trend_table(self) -> Table:
        rows = [[d.day, d.volume, d.open, d.overdue] for d in self.trend]
        return Table("trend", _("每日受理量"), [_("日期"), _("受理量"), _("其中在办"), _("其中超期")],
                     rows)

    def districts_table(self) -> Table:
        rows = [[self.districts.get(d.district, d.district or ""), d.open, d.overdue]
                for d in self.district_load]
        return Table("districts", _("各区县在办与超期（当前）"), [_("区县"), _("在办"), _("超期")], rows)

    @cached_property
    def map_places(self) -> list[Place]:
        return street_map.places(self.session)

    @cached_property
    def street_map(self) -> list[street_map.MapStreet]:
        return street_map.streets(self.session, self.now, self.map_places)

    @cached_property
    def map_focus(self) -> Place | None:
        """The street the map is drilled into; an unknown code is a 400."""
        if self._map_street is None:
            return None
        found = next((p for p in self.map_places
                      if p.kind == "street" and p.code == self._map_street), None)
        if found is None:
            raise InvalidInput(f"未知街道 / unknown street: {self._map_street}",
                               field="map_street")
        return found

    @cached_property
    def community_map(self) -> list[street_map.MapCommunity]:
        """The drilled street's communities and their load; nothing when not drilled in."""
        focus = self.map_focus
        if focus is None:
            return []
        return street_map.communities(self.session, self.now, focus, self.map_places)

    def map_table(self) -> Table:
        if self.map_focus is not None:
            return street_map.community_table(self.map_focus, self.community_map)
        return street_map.table(self.street_map)

    def hot_table(self) -> Table:
        rows = [[i, h.phrase, h.count] for i, h in enumerate(self.hot_topics(), start=1)]
        return Table("hot", _("本周热点"), [_("名次"), _("热点词"), _("涉及工单")], rows,
                     caption=_("近 7 天工单文本中比前 3 周明显增多的词语（分类器热点分析）。"))

    # --- by level: districts, and a district's streets -------------------------------------

    @cached_property
    def drill(self) -> str | None:
        """The district whose streets the street view shows; unknown codes are a 400."""
        if self._district is not None and self._district not in self.districts:
            raise InvalidInput(f"未知区县 / unknown district: {self._district}", field="district")
        return self._district

    @cached_property
    def street_units(self) -> list[Department]:
        """The street-level units (街道/乡镇): every one of a district shows in its drill-down,
        with zeros when no ticket came its way."""
        return list(self.session.scalars(select(Department).where(Department.level == Level.STREET)
                                         .order_by(Department.district, Department.code)))

    def district_ranking(self) -> Table:
        """Districts (where the problems are) ranked like the units; the codes link the page's
        rows to their drill-down."""
        found = figures.ranked({k: c for k, c in self.figures.by["district"].items()
                                if k is not None})
        rows = [[i, *_count_row(self.districts.get(k, str(k)), c), Rate(c.score)]
                for i, (k, c) in enumerate(found, start=1)]
        return Table("rank_district", _("区县排名（三率均值）"),
                     [_("名次"), *_count_headers(_("区县")), _("综合得分")], rows,
                     [k for k, _c in found],
                     caption=_("按工单所在区县统计；点“查看街道”看该区县各街道的办理情况。"))

    def street_ranking(self) -> Table:
        """Street units ranked by the work they did: tickets forwarded down to them (or to
        their communities) and tickets dispatched straight to them."""
        found = figures.ranked(figures.street_totals(self.figures))
        rows = [[i, *_count_row(self.units.get(k, str(k)), c), Rate(c.score)]
                for i, (k, c) in enumerate(found, start=1)]
        return Table("rank_street", _("街道排名（三率均值）"),
                     [_("名次"), *_count_headers(_("街道/乡镇")), _("综合得分")], rows,
                     caption=_("转派、下派的工单计入实际办理的街道（下派社区的计入社区所属街道），"
                               "直派街乡的计入该街道；单位排名中仍计入主责单位。"))

    def street_breakdown(self) -> Table:
        """The drill-down: the district's streets, a row for the work no street did, and the
        district's total, which is its row in 按区县统计. Without a district: every district's."""
        drill = self.drill
        found = figures.by_street(self.figures, drill, every_district=drill is None)
        for unit in self.street_units:
            if drill is None or unit.district == drill:
                found.setdefault((unit.district, unit.id), Counts())
        rows = []
        for (district, street), c in sorted(
                found.items(), key=lambda kc: (kc[0][0] or "", kc[0][1] is None,
                                               -kc[1].volume, self.units.get(kc[0][1], ""))):
            name = self.units.get(street, str(street)) if street is not None \
                else _("未到街道（区县、市级部门自办）")
            if drill is None:
                name = f"{self.districts.get(district, district or '')} · {name}"
            rows.append(_count_row(name, c))
        if drill is not None:
            rows.append(_count_row(_("合计"), self.figures.by["district"].get(drill, Counts())))
        title = _("%(district)s各街道", district=self.districts[drill]) if drill is not None \
            else _("各区县街道")
        return Table("by_street", title, _count_headers(_("街道/乡镇")), rows,
                     caption=_("工单计入实际办理的街道；“未到街道”为主责单位自办或市级部门办理的工单。"))


def days_late(due: datetime | None, now: datetime) -> int | None:
    """Calendar days past `due`, rounded up; None while not yet due."""
    if due is None or due > now:
        return None
    return max(1, -(-(now - due) // timedelta(days=1)))


def _quality_note(quality: ReplyQuality | None) -> str:
    """The band and the first problem found, in the reader's language (the page shows the
    rest beside the ticket's review buttons)."""
    if quality is None:
        return ""
    problem = next((r for r in quality.reasons if not r.good), None)
    band = _(BAND_LABELS[quality.band])
    return _("%(band)s：%(problem)s", band=band, problem=one_language(problem.message)) \
        if problem else band


def _short(text: str | None, n: int = 40) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= n else text[:n] + "…"


BREAKDOWNS = ("district", "topic", "line", "channel")  # by unit is the ranking table
TABLES: dict[str, Callable[[Dashboard], Table]] = {
    "deadlines": Dashboard.deadlines,
    "extensions": Dashboard.extensions,
    "arbitration": Dashboard.arbitration,
    "suspensions": Dashboard.suspensions,
    "appeals": Dashboard.appeals,
    "review": Dashboard.review,
    "orders": Dashboard.supervision,
    "ranking": Dashboard.ranking,
    **{f"by_{dim}": (lambda d, dim=dim: d.breakdown(dim)) for dim in BREAKDOWNS},
    "trend": Dashboard.trend_table,
    "districts": Dashboard.districts_table,
    "map": Dashboard.map_table,
    "hot": Dashboard.hot_table,
    # By level (district, street), with the drill-down from a district to its streets.
    "rank_district": Dashboard.district_ranking,
    "rank_street": Dashboard.street_ranking,
    "by_street": Dashboard.street_breakdown,
}


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the two ECharts charts draw; the tables beside them show the same numbers."""
    return {
        "trend": {"days": [d.day.strftime("%m-%d") for d in board.trend],
                  "volume": [d.volume for d in board.trend],
                  "overdue": [d.overdue for d in board.trend],
                  "labels": {"volume": _("受理量"), "overdue": _("其中超期")}},
        "districts": [{"name": board.districts.get(d.district, d.district or ""), "open": d.open,
                       "overdue": d.overdue} for d in board.district_load],
        "district_labels": {"open": _("在办"), "overdue": _("超期")},
    }



def period_links(today: date) -> list[tuple[str, date, date]]:
    """The picker's quick choices: name, first and last day."""
    return [(_("今日"), today, today),
            (_("近 7 天"), today - timedelta(days=6), today),
            (_("本月"), today.replace(day=1), today),
            (_("近 30 天"), today - timedelta(days=29), today)]
