"""The moment a request leaves: a BaseRequest around the real one (PTB's HTTPXRequest against
Telegram, the recording LocalRequest in tests) that tells a delivery when its message is
handed to the network and how it came back.

It sits below PTB's rate limiter: a request waiting in the limiter's queue has not reached
`do_request` yet, so it is not `attempted` and a crash leaves it to be sent again. The
delivery being sent travels in a ContextVar set around the `send_message` call (the limiter
awaits its callback in the same task), so nothing else needs to know about deliveries.

Against Telegram the mark is made by httpcore's trace hook as the request's first byte is
about to be written on an open connection. Failures are sorted by that moment: before it
(connection refused, connect timeout, no free connection in the pool) the request is
`NotSent`, safe to send again; after it (read timeout, connection reset, a closed
connection) it is `Uncertain` and never resent, because Telegram may have delivered it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol

import httpx
from telegram.error import NetworkError, TelegramError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

# PTB's default read timeout is 5 s; Telegram sometimes answers later than that while it
# delivers the message anyway, and a retry would then send it twice.
SEND_READ_TIMEOUT = 20.0


class Ticket(Protocol):
    """What a delivery does at each step of its request (DeliveryEngine implements it)."""

    async def leaving(self) -> bool:
        """Just before the request goes out: record it as attempted. False: do not send (the
        claim was lost to another leader, or the bot is stopping)."""

    async def answered(self, delivered: bool) -> None:
        """Telegram answered: delivered (2xx) or refused it (any other status)."""

    async def not_sent(self) -> None:
        """The request never left (the connection did not open)."""


on_the_wire: ContextVar[Ticket | None] = ContextVar("on_the_wire", default=None)


class NotSent(NetworkError):
    """The request never reached the network: sending it again cannot duplicate it."""


class Uncertain(NetworkError):
    """The request was on the wire and its answer was lost: Telegram may have delivered it."""


class Withheld(TelegramError):
    """The delivery told us not to send (claim lost, or stopping): nothing left this process."""


# Raised before a byte of the request is written: no connection, or none free.
_BEFORE_SENDING = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError, httpx.UnsupportedProtocol,
    httpx.LocalProtocolError, ConnectionRefusedError,
)


def never_left(error: BaseException) -> bool:
    """Whether this failure of `do_request` happened before the request was written. PTB's
    HTTPXRequest raises TimedOut/NetworkError from the httpx exception, so the cause chain
    says which it was; anything unrecognised counts as possibly sent."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _BEFORE_SENDING):
            return True
        if isinstance(seen, RuntimeError) and "not initialized" in str(seen):
            return True  # HTTPXRequest after shutdown
        seen = seen.__cause__ or seen.__context__
    return False


class _Passage:
    """One request of a delivery on its way out."""

    __slots__ = ("ticket", "left")

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.left = False

    async def leave(self) -> None:
        if not await self.ticket.leaving():
            raise Withheld("not sent: the delivery is no longer this process's to send")
        self.left = True

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace extension, called as each phase of the request starts and ends.
        A request can be delivered only once its last byte is written: a POST's body (the
        headers alone are an unfinished request, dropped when the connection dies), or the
        headers of a request without one. Marking just before that write leaves the least
        time in which a kill loses a marked message that never left."""
        phase = event.rsplit(".", 2)
        if len(phase) != 3 or phase[0] not in ("http11", "http2") or phase[2] != "started":
            return
        if phase[1] == ("send_request_body" if _has_body(info.get("request")) else "send_request_headers"):
            await self.leave()


def _has_body(request: Any) -> bool:
    headers = {bytes(name).lower(): bytes(value) for name, value in getattr(request, "headers", ())}
    return headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
_passage: ContextVar[_Passage | None] = ContextVar("_passage", default=None)


async def _trace_the_wire(request: httpx.Request) -> None:
    """An httpx request hook: hands a delivery's request its trace callback."""
    passage = _passage.get()
    if passage is not None:
        request.extensions["trace"] = passage.trace


class WireRequest(BaseRequest):
    """Wraps the request object that really talks to the Bot API. `traced`: the inner request
    calls the trace hook the moment the request is written (telegram_request); otherwise the
    request counts as leaving when it reaches the inner request."""

    def __init__(self, inner: BaseRequest, *, traced: bool = False) -> None:
        self.inner = inner
        self.traced = traced

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeouts = {"read_timeout": read_timeout, "write_timeout": write_timeout,
                    "connect_timeout": connect_timeout, "pool_timeout": pool_timeout}
        ticket = on_the_wire.get()
        if ticket is None:
            return await self.inner.do_request(url, method, request_data, **timeouts)  # type: ignore[arg-type]
        passage = _Passage(ticket)
        context = _passage.set(passage)
        try:
            if not self.traced:
                await passage.leave()
            code, payload = await self.inner.do_request(url, method, request_data, **timeouts)  # type: ignore[arg-type]
        except Withheld:
            raise
        except Exception as exc:  # CancelledError passes untouched: a dying process records nothing
            if not passage.left or never_left(exc):
                if passage.left:
                    await ticket.not_sent()
                raise NotSent(f"not sent ({_name(exc)}): safe to send again") from exc
            raise Uncertain(f"no answer ({_name(exc)}): Telegram may have delivered it") from exc
        finally:
            _passage.reset(context)
        await ticket.answered(200 <= code <= 299)
        return code, payload


def _name(error: BaseException) -> str:
    cause = error.__cause__ or error
    return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__


def telegram_request(read_timeout: float = SEND_READ_TIMEOUT) -> WireRequest:
    """The bot's request object against Telegram: PTB's HTTPXRequest with a read timeout that
    outlasts Telegram's slow answers, whose httpx client tells a delivery the moment its
    request is written (after the rate limiter, after connecting)."""
    inner = HTTPXRequest(
        connection_pool_size=256, read_timeout=read_timeout, pool_timeout=1.0,
        httpx_kwargs={"event_hooks": {"request": [_trace_the_wire]}},
    )
    return WireRequest(inner, traced=True)
