"""What the bot counts for Prometheus (GET /metrics on the ops listener, bot/ops/http.py).

One registry of our own, not prometheus_client's global one: tests and benches build several
applications in one process, and a registry per process would mix them anyway, so every metric
here is a process-wide counter that only ever grows (as Prometheus expects), and figures that
belong to the database (open deliveries, conversations) are read at scrape time instead of
being kept in memory: every instance then reports the same truth.

Names are prefixed `cadrebot_`; labels are small closed sets (update kinds, outcomes, statuses),
never ids or text, so the series stay few.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "cadrebot_updates", "Updates received, by kind", ["type"], registry=REGISTRY,
)
UPDATES_IN_FLIGHT = Gauge(
    "cadrebot_updates_in_flight", "Updates being handled right now", registry=REGISTRY,
)
QUESTIONS = Counter(
    "cadrebot_questions", "Questions asked, by what the matcher made of them", ["outcome"], registry=REGISTRY,
)
DELIVERIES = Counter(
    "cadrebot_deliveries", "Scheduled messages finished by this instance, by final status", ["status"],
    registry=REGISTRY,
)
DELIVERIES_OPEN = Gauge(
    "cadrebot_deliveries_open", "Delivery rows not yet final (pending, claimed, attempted), read at scrape time",
    ["status"], registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "cadrebot_tick_duration_seconds", "Scheduler ticks, from the lease to the last message of the fan-out",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200), registry=REGISTRY,
)
LAST_TICK = Gauge(
    "cadrebot_last_tick_timestamp_seconds", "When the scheduler last started or finished a tick (Unix time)",
    registry=REGISTRY,
)
LEADING = Gauge(
    "cadrebot_scheduler_leading", "1 while this instance holds the scheduler lease in a tick", registry=REGISTRY,
)
ERRORS = Counter(
    "cadrebot_errors", "Errors caught: in an update, in a scheduled job, elsewhere", ["where"], registry=REGISTRY,
)
CONVERSATIONS = Gauge(
    "cadrebot_active_conversations", "Multi-step flows open (not past their time), read at scrape time",
    registry=REGISTRY,
)
PRUNED = Counter(
    "cadrebot_pruned_rows", "Rows removed by retention, by table", ["table"], registry=REGISTRY,
)

UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member")


def update_kind(update: object) -> str:
    """The kind label of a Telegram update: the first field it carries, 'other' otherwise."""
    for kind in UPDATE_KINDS:
        if getattr(update, kind, None) is not None:
            if kind == "message" and getattr(update.message, "document", None) is not None:  # type: ignore[attr-defined]
                return "document"
            if kind == "message" and (getattr(update.message, "text", None) or "").startswith("/"):  # type: ignore[attr-defined]
                return "command"
            return kind
    return "other"


def count_finished_deliveries(outcome: object) -> None:
    """Add a tick's outcome (status → count, as DeliveryEngine.send_due returns it)."""
    for status, count in dict(outcome or {}).items():  # type: ignore[call-overload]
        if count:
            DELIVERIES.labels(status).inc(count)
