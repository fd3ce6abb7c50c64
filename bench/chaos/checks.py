"""What the run must show: the answers by fault window, and in the database, that every intake
answered 2xx became exactly one ticket and nothing accepted is silently dropped."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Connection, text

from bench.chaos.load import Answer
from bench.common import percentile

INTAKE_ENDPOINTS = ("api", "submit")  # "form" is the GET that precedes a web submission
EXAMPLES = 5


def by_status(answers: list[Answer]) -> dict[str, int]:
    return dict(sorted(Counter(a.status for a in answers).items()))


def by_endpoint(answers: list[Answer]) -> dict[str, dict[str, int]]:
    out = {"all": by_status(answers)}
    for endpoint in ("api", "form", "submit"):
        out[endpoint] = by_status([a for a in answers if a.endpoint == endpoint])
    return out


def windows(answers: list[Answer], spans: dict[str, list[tuple[float, float]]],
            settle: float) -> dict[str, dict[str, Any]]:
    """Answers by the fault under way when they came (up to `settle` seconds after it ended,
    while the system recovers); "no_fault" holds the rest, the baseline."""
    counted: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        kinds = [kind for kind, ranges in spans.items()
                 if any(start <= answer.answered <= end + settle for start, end in ranges)]
        for kind in kinds or ["no_fault"]:
            counted[kind].append(answer)
    return {kind: {**by_endpoint(counted[kind]), "latency_ms_2xx": latency(
        [a for a in counted[kind] if a.ok and a.endpoint in INTAKE_ENDPOINTS])}
        for kind in [*spans, "no_fault"]}


def timeline(answers: list[Answer], bucket: float) -> list[dict[str, Any]]:
    """Answers by when they came, `bucket` seconds at a time: how a fault came and went."""
    counted: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        counted[int(answer.answered // bucket)].append(answer)
    return [{"from": round(k * bucket, 1), **by_status(counted[k]),
             "p50_ms": latency([a for a in counted[k] if a.ok])["p50"]} for k in sorted(counted)]


def latency(answers: list[Answer]) -> dict[str, float]:
    ms = [a.seconds * 1000 for a in answers]
    return {"n": len(ms), "p50": round(percentile(ms, 50), 1), "p99": round(percentile(ms, 99), 1),
            "max": round(max(ms, default=0), 1)}


def client_figures(answers: list[Answer], intakes: int, api_share: float) -> dict[str, Any]:
    """Per intake: accepted (a 2xx with a number), or the last thing its client was told."""
    sends = [a for a in answers if a.endpoint in INTAKE_ENDPOINTS]
    accepted = {a.intake for a in sends if a.ok}
    last: dict[int, Answer] = {}
    for a in sorted(answers, key=lambda a: (a.sent, a.attempt)):
        last[a.intake] = a
    refused = Counter(f"{a.endpoint} {a.status}" for i, a in last.items() if i not in accepted)
    span = max((a.answered for a in sends if a.ok), default=0.0)
    ok = [a for a in sends if a.ok]
    return {
        "intakes": intakes, "api_share": api_share, "accepted": len(accepted),
        "not_accepted": dict(sorted(refused.items())),
        "api_retries": sum(1 for a in answers if a.endpoint == "api" and a.attempt > 0),
        "accepted_per_second": round(len(accepted) / span, 1) if span else 0.0,
        "latency_ms_2xx": {"all": latency(ok),
                           **{e: latency([a for a in ok if a.endpoint == e]) for e in INTAKE_ENDPOINTS}},
        "latency_ms_every_answer": latency(sends),
        "2xx_without_number": sum(1 for a in ok if a.number is None),
    }


def keys_with_two_numbers(answers: list[Answer]) -> int:
    """API intakes whose retries were told different ticket numbers (the key must hold)."""
    numbers: dict[int, set[str]] = defaultdict(set)
    for a in answers:
        if a.endpoint == "api" and a.ok and a.number:
            numbers[a.intake].add(a.number)
    return sum(1 for found in numbers.values() if len(found) > 1)


def pending(conn: Connection) -> int:
    """Intakes that are neither a ticket nor a dead-letter: work still owed."""
    conn.commit()
    return int(conn.execute(text(
        "SELECT count(*) FROM intakes i LEFT JOIN tickets t ON t.intake_id = i.id "
        "WHERE t.id IS NULL AND i.status <> 'failed'")).scalar_one())


def database(conn: Connection, answers: list[Answer]) -> dict[str, Any]:
    conn.commit()
    given = sorted({a.number for a in answers if a.ok and a.number})
    state = dict(conn.execute(text(
        "SELECT i.ticket_number, CASE WHEN t.id IS NOT NULL THEN 'ticket' "
        "WHEN i.status = 'failed' THEN 'dead_letter' ELSE 'pending' END "
        "FROM intakes i LEFT JOIN tickets t ON t.intake_id = i.id "
        "WHERE i.ticket_number = ANY(:n)"), {"n": given}).all())
    tickets_per_number = dict(conn.execute(text(
        "SELECT number, count(*) FROM tickets WHERE number = ANY(:n) GROUP BY number"),
        {"n": given}).all())
    outcome = Counter(state.get(n, "lost") for n in given)
    totals = conn.execute(text(
        "SELECT count(*), count(t.id), count(*) FILTER (WHERE t.id IS NULL AND i.status = 'failed'), "
        "count(*) FILTER (WHERE t.id IS NULL AND i.status <> 'failed'), "
        "count(*) FILTER (WHERE i.source_ref IS NULL) "
        "FROM intakes i LEFT JOIN tickets t ON t.intake_id = i.id")).one()
    duplicates = conn.execute(text(
        "SELECT count(*) - count(DISTINCT number), count(intake_id) - count(DISTINCT intake_id) "
        "FROM tickets")).one()
    keys = conn.execute(text(
        "SELECT count(*) FROM (SELECT source_ref FROM intakes WHERE source_ref IS NOT NULL "
        "GROUP BY channel, source_ref HAVING count(*) > 1) AS k")).scalar_one()
    delays = [float(s) * 1000 for (s,) in conn.execute(text(
        "SELECT extract(epoch FROM processed_at - received_at) FROM intakes "
        "WHERE processed_at IS NOT NULL"))]
    web_2xx = sum(1 for a in answers if a.endpoint == "submit" and a.ok)
    errors = conn.execute(text(
        "SELECT ticket_number, attempts, left(error, 300) FROM intakes WHERE status = 'failed' "
        "ORDER BY id LIMIT :k"), {"k": EXAMPLES}).all()
    return {
        "numbers_given_2xx": len(given),
        "numbers_given_2xx_by_state": {k: outcome.get(k, 0)
                                       for k in ("ticket", "dead_letter", "pending", "lost")},
        "numbers_given_2xx_with_several_tickets": sum(1 for c in tickets_per_number.values() if c > 1),
        "examples_not_ticket": [(n, state.get(n, "lost")) for n in given
                                if state.get(n) != "ticket"][:EXAMPLES],
        "intakes": totals[0], "tickets": totals[1], "dead_letters": totals[2],
        "neither_ticket_nor_dead_letter": totals[3],
        "web_intakes_committed": totals[4], "web_intakes_answered_2xx": web_2xx,
        "duplicate_ticket_numbers": duplicates[0], "intakes_with_several_tickets": duplicates[1],
        "idempotency_keys_with_several_intakes": keys,
        "idempotency_keys_told_two_numbers": keys_with_two_numbers(answers),
        "dead_letter_examples": [list(row) for row in errors],
        "accept_to_ticket_ms": {"p50": round(percentile(delays, 50), 1),
                                "p99": round(percentile(delays, 99), 1),
                                "max": round(max(delays, default=0), 1)},
    }


def verdicts(db: dict[str, Any], processes: dict[str, Any]) -> dict[str, bool]:
    """The promises of issue 14's proof, each true or false."""
    states = db["numbers_given_2xx_by_state"]
    return {
        "every_2xx_has_exactly_one_ticket": states["ticket"] == db["numbers_given_2xx"]
        and db["numbers_given_2xx_with_several_tickets"] == 0,
        "no_duplicated_ticket": db["duplicate_ticket_numbers"] == 0
        and db["intakes_with_several_tickets"] == 0
        and db["idempotency_keys_with_several_intakes"] == 0
        and db["idempotency_keys_told_two_numbers"] == 0,
        "every_intake_a_ticket_or_visible_dead_letter": db["neither_ticket_nor_dead_letter"] == 0
        and states["lost"] == 0,
        "every_process_running_without_outside_restart": all(
            p["alive_at_end"] and not p["exited_by_itself"] for p in processes.values()),
    }
