"""The citizen's side of the loop: outbox, message texts, delivery receipts and their pages.

Who hears what, and how (hotline.domain.effects declares after which event, citizen.effects writes it):

- Acknowledgement (受理回执, GB/T 33358: within 3 minutes): by SMS for voice messages and web
  requests with a mobile number. SMS requests get none from here: the inbound SMS webhook
  already answers with TwiML carrying the ticket number, so a second SMS would be a duplicate.
- Answer (答复), once the centre approved it (`reply_approved`): by SMS to callers who wrote or
  phoned from a mobile; on the agents' call-back list (/callbacks) when there is no mobile; on
  /track for web and Open311 requests (Open311 clients read the feed).
- Follow-up (回访): asked by SMS when the answer's delivery receipt says `delivered` (or after
  FOLLOWUP_ASK_WITHOUT_RECEIPT_HOURS without one); on /track for web; by an agent's phone call.

At most once, on purpose: Twilio has no idempotency key for messages, so only failures that
certainly did not send are retried (5xx, 429, connection refused, connect timeout). A read
timeout (Twilio may have sent it) and a job that died between Twilio's answer and our commit
leave the row `uncertain` for a person, never re-sent. A delivery receipt that arrives before the SID is
committed (milliseconds after Twilio answered) is ignored; the follow-up sweep asks anyway.
"""
