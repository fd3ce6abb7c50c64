"""Display labels for coded values, in one place for templates, API and exports."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms.fields.choices import SelectChoice

from hotline.domain import states
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import HANDOFF_SERVICES, RISK_CATEGORIES, RISK_LEVELS
from hotline.domain.marks import N_
from hotline.models import Channel, Line, RequestType, Urgency

LINE_LABELS = {
    Line.L12345.value: N_("12345 政务服务便民热线"),
    Line.L12315.value: N_("12315 市场监管投诉举报"),
    Line.L12319.value: N_("12319 城建服务热线"),
}
REQUEST_TYPE_LABELS = {
    RequestType.CONSULT.value: N_("咨询"),
    RequestType.HELP.value: N_("求助"),
    RequestType.COMPLAINT.value: N_("投诉"),
    RequestType.REPORT.value: N_("举报"),
    RequestType.SUGGESTION.value: N_("建议"),
    RequestType.PRAISE.value: N_("表扬"),
}
REQUEST_TYPE_BY_WORD = {label: code for code, label in REQUEST_TYPE_LABELS.items()}
CHANNEL_LABELS = {
    Channel.PHONE.value: N_("电话"),
    Channel.SMS.value: N_("短信"),
    Channel.VOICE.value: N_("语音留言"),
    Channel.WEB.value: N_("网上留言"),
    Channel.OPEN311.value: "Open311",
    Channel.IMPORT.value: N_("系统转办"),
}
STATUS_LABELS = states.STATUS_LABELS  # the life cycle's, which its refusals name the state by
EVENT_LABELS = {
    EventKind.INTAKE: N_("受理"),
    EventKind.TRANSCRIBED: N_("录音转写"),
    EventKind.CLASSIFIED: N_("智能分类"),
    EventKind.TRIAGED: N_("分拣定级"),
    EventKind.TOPIC_SET: N_("设置分类"),
    EventKind.LINKED_REPEAT: N_("关联重复件"),
    EventKind.CITIZEN_MESSAGE: N_("市民补充"),
    EventKind.DISPATCHED: N_("派单"),
    EventKind.SIGNED: N_("签收"),
    EventKind.RETURNED: N_("退单"),
    EventKind.REPLIED: N_("答复"),
    EventKind.CLOSED: N_("办结"),
    EventKind.CLOSED_DIRECT: N_("直接办结"),
    EventKind.REOPENED: N_("重办"),
    EventKind.ATTACHED: N_("上传附件"),
    EventKind.ROUTING_MANUAL: N_("转人工分拨"),
    EventKind.EXTENSION_REQUESTED: N_("申请延期"),
    EventKind.EXTENSION_APPROVED: N_("批准延期"),
    EventKind.EXTENSION_REFUSED: N_("不予延期"),
    EventKind.ASSIST_DONE: N_("协办反馈"),
    EventKind.REPLY_REJECTED: N_("答复退回"),
    EventKind.URGED: N_("督办"),
    # casework (issue 17)
    EventKind.PROGRESS_NOTE: N_("阶段性答复"),
    EventKind.INTERNAL_NOTE: N_("内部备注"),
    EventKind.CONTACTED: N_("先行联系"),
    EventKind.SUSPENSION_REQUESTED: N_("申请挂起"),
    EventKind.SUSPENSION_REFUSED: N_("不予挂起"),
    EventKind.SUSPENDED: N_("挂起"),
    EventKind.RESUMED: N_("恢复办理"),
    EventKind.APPEALED: N_("申诉"),
    EventKind.APPEAL_APPROVED: N_("申诉已支持"),
    EventKind.APPEAL_REFUSED: N_("申诉未支持"),
    # 转派 to a descendant unit
    EventKind.FORWARDED: N_("转派"),
    EventKind.FORWARD_SIGNED: N_("签收转派"),
    EventKind.FORWARD_REPLIED: N_("转派反馈"),
    EventKind.FORWARD_ACCEPTED: N_("采纳转派反馈"),
    EventKind.FORWARD_SENT_BACK: N_("转派反馈退回"),
    EventKind.FORWARD_RETURNED: N_("退回转派"),
    EventKind.HANDLER_ASSIGNED: N_("指定经办人"),
    EventKind.RISK_FLAGGED: N_("风险标记"),
    EventKind.RISK_SUGGESTED: N_("可能有风险"),
    EventKind.HANDED_OFF: N_("双向转接"),
    # 合并办理 (issue 18)
    EventKind.INCIDENT_PROPOSED: N_("建议合并办理"),
    EventKind.INCIDENT_CONFIRMED: N_("确认合并办理"),
    EventKind.INCIDENT_ADDED: N_("并入合并组"),
    EventKind.INCIDENT_SPLIT: N_("移出合并组"),
    EventKind.INCIDENT_ANSWERED: N_("合并办理答复"),
}
FOLLOW_UP_LABELS = {"pending": N_("待回访"), "answered": N_("已回访"), "not_rated": N_("未评价"),
                    "needs_agent": N_("需电话回访"), "superseded": N_("已作废")}
# 回访 answers, as the citizen's two digits give them (domain.md §6).
SOLVED_LABELS = {1: N_("解决"), 2: N_("部分解决"), 3: N_("未解决")}
SATISFIED_LABELS = {1: N_("满意"), 2: N_("基本满意"), 3: N_("不满意")}
ACTOR_LABELS = {"system": N_("系统"), "citizen": N_("市民")}
URGENCY_LABELS = {Urgency.URGENT.value: N_("紧急"), Urgency.NORMAL.value: N_("一般")}
# Risk triage (issue 19): the life cycle's tables, named here beside the other labels.
RISK_CATEGORY_LABELS = RISK_CATEGORIES
RISK_LEVEL_LABELS = RISK_LEVELS
HANDOFF_LABELS = HANDOFF_SERVICES


def choices(labels: dict[str, str]) -> list[SelectChoice]:
    """Select options for a form from one of the label tables above."""
    return [SelectChoice(value, lazy_gettext(label)) for value, label in labels.items()]
# What each kind of staff notice (notifications.kind) is about, for the notice list's groups
# and filter.
NOTIFICATION_KIND_LABELS = {
    "deadline_warning": N_("时限临期"),
    "deadline_overdue": N_("时限超期"),
    "deadline_escalated": N_("超期升级"),
    "sms_failed": N_("短信发送失败"),
    "calendar_missing": N_("缺少工作日历"),
    "arbitration_required": N_("待仲裁"),
    "extension_requested": N_("延期申请"),
    "extension_approved": N_("延期已批准"),
    "extension_refused": N_("延期未批准"),
    "urged": N_("督办"),
    # casework (issue 17)
    "suspension_requested": N_("挂起申请"),
    "suspension_refused": N_("挂起未批准"),
    "suspended": N_("已挂起"),
    "resumed": N_("恢复办理"),
    "appealed": N_("申诉"),
    "appeal_approved": N_("申诉已支持"),
    "appeal_refused": N_("申诉未支持"),
    "forwarded": N_("转派待签收"),
    "forward_replied": N_("转派已反馈"),
    "forward_sent_back": N_("转派反馈被退回"),
    "forward_returned": N_("转派被退回"),
    "handler_assigned": N_("指定为经办人"),
    "risk_alert": N_("风险预警"),
    "incident_added": N_("已并入合并组"),  # 合并办理: the unit need not handle the ticket
    "surge_alert": N_("来电增多预警"),
    "governance_task": N_("主动治理任务"),
    "governance_overdue": N_("主动治理任务超期"),
    "governance_due_soon": N_("主动治理任务即将到期"),
}
