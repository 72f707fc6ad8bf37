"""Slow clients cannot hold the API's connections ("slow-loris").

Two guards, because uvicorn has neither:

- :class:`HeaderTimeoutProtocol` (uvicorn's h11 protocol): a request's headers must be complete
  within ``header_timeout_s`` of the connection opening or of the previous response; otherwise
  the server answers 408 and closes the connection. Trickling one header byte at a time does not
  reset the clock.
- :class:`BodyTimeoutMiddleware` (ASGI): a request body may pause at most ``idle_s`` and take at
  most ``total_s`` in all; otherwise 408 ``request_timeout`` with ``Connection: close``. Nothing
  of the request is stored: the upload is refused while it is still being parsed.

A reverse proxy in front (nginx's ``client_header_timeout``/``client_body_timeout``) does the
same job; these make the server safe without one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

_BODY_408 = b'{"error": "request_timeout", "detail": "request headers arrived too slowly"}'
_RAW_408 = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(_BODY_408), _BODY_408))


class HeaderTimeoutProtocol(H11Protocol):
    """Pass as ``uvicorn.run(..., http=header_timeout_protocol(seconds))``."""

    header_timeout_s: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is in progress: its body has its own limits
        self.transport.write(_RAW_408)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's headers are complete
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()  # the next request on this connection gets the same time
        super().on_response_complete()  # may start a pipelined request (and disarm)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def header_timeout_protocol(seconds: float) -> type[HeaderTimeoutProtocol]:
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout_s": seconds})


class BodyTimeoutMiddleware:
    def __init__(self, app: ASGIApp, *, idle_s: float, total_s: float) -> None:
        self.app = app
        self.idle_s = idle_s
        self.total_s = total_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_s
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:  # e.g. waiting for a disconnect: not the client's upload
                return await receive()
            wait = min(self.idle_s, deadline - loop.time())
            try:
                if wait <= 0:
                    raise TimeoutError
                message: dict[str, Any] = await asyncio.wait_for(receive(), wait)
            except TimeoutError:
                raise HTTPException(408, "the request body arrived too slowly; send it again",
                                    headers={"Connection": "close"}) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, timed_receive, send)
