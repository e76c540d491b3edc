"""A graceful stop on SIGTERM (docker stop, systemctl stop) and SIGINT (Ctrl-C).

PTB's own stop signals raise SystemExit at once, and Application.stop() then waits for the
running job: a fan-out under way would go on to its end (minutes for thousands of people),
long past docker's 10 s, and be killed anyway. These handlers first tell the scheduler to
stop (bot/scheduling/delivery.py: nothing more claimed or sent, requests on the wire given 5 s, the rest
left pending), then stop the application the way PTB does.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


def stop_gracefully_on_signals(app: Any) -> asyncio.AbstractEventLoop:
    """Install the handlers on a new event loop, which PTB's run_polling/run_webhook then use
    (call them with stop_signals=None)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    state = {"stopping": False}

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if state["stopping"]:
            log.info("%s again: already stopping", name)
            return
        state["stopping"] = True
        log.info("%s: stopping; deliveries not yet sent are left for the next start or the standby", name)
        app.scheduler.stop()
        raise SystemExit(0)  # out of PTB's loop.run_forever(), into its shutdown

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    return loop
