"""Twilio's delivery receipts (status callbacks): its MessageStatus words, and the webhook that
applies them to the outbox."""

from __future__ import annotations

from flask import Blueprint, Response

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.messaging import outbox, texts
from hotline.twilio.webhook import Fields, webhook

bp = Blueprint("twilio_status", __name__)

# Twilio's MessageStatus values, mapped onto ours.
PROVIDER_STATUS = {
    "accepted": outbox.ACCEPTED, "scheduled": outbox.ACCEPTED, "queued": outbox.ACCEPTED,
    "sending": outbox.ACCEPTED, "sent": outbox.SENT, "delivered": outbox.DELIVERED,
    "read": outbox.DELIVERED, "undelivered": outbox.UNDELIVERED, "failed": outbox.FAILED,
    "canceled": outbox.FAILED,
}


@bp.post("/twilio/status")
@webhook("MessageSid", "MessageStatus", optional=("ErrorCode", "To", "From", "AccountSid",
                                                  "SmsSid", "SmsStatus", "ApiVersion"))
def twilio_status(form: Fields) -> Response:
    """Delivery receipt. Signature-checked by `webhook` (403); repeats and late ones are no-ops.

    An answer that reached the phone is followed by the follow-up question (once: only the call
    that moved the row to `delivered` asks).
    """
    from hotline.citizen.followup import ask

    code = form.get("ErrorCode", "").strip()
    word = form["MessageStatus"]
    message, moved = outbox.apply_status(db.session, form["MessageSid"],
                                         PROVIDER_STATUS.get(word.strip().lower()), word,
                                         int(code) if code.isdigit() else None)
    if moved and message is not None and message.status == outbox.DELIVERED \
            and message.kind == texts.ANSWER and message.ticket is not None:
        ask(db.session, message.ticket)
        unit_of_work.commit(db.session)
    return Response(status=204)
