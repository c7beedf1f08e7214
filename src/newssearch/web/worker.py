"""The gunicorn worker ``newssearch serve`` runs: gunicorn's threaded worker (``gthread``) with
the request head read by the worker's event loop instead of by a pool thread.

Why: a sync worker, and gthread's own pool threads, block reading a request. Four clients that
open a connection and send nothing (or half a header, a byte a second) stalled every search for
30 s (issue 21). Here a pool thread only ever gets a connection whose request line and headers
have fully arrived, so idle and slow clients cost a file descriptor and a few bytes each:

- a new or kept-alive connection waits in the loop until its head ends (blank line); one that
  has not finished its head ``HEADER_TIMEOUT`` seconds after it began waiting is closed (with a
  408 when it had sent part of one); a kept-alive one idle for ``KEEPALIVE`` seconds is closed;
- at most ``MAX_CONNECTIONS`` open connections per worker; past that, a connection gets a short
  JSON 503 ("busy") with ``Retry-After`` and is closed, instead of waiting unseen in the
  listen queue;
- the body and the response are read and written by the pool thread with a per-read/-write
  timeout of ``HEADER_TIMEOUT`` (a stalled client ends its request, not the thread).
"""

from __future__ import annotations

import errno
import json
import selectors
import socket
import time
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

from newssearch import settings

MAX_HEAD = 8190 + 100 * 8190  # gunicorn's limits: request line plus 100 header fields
REJECT_BACKLOG = 256  # connections being answered 503 at once; more are closed at once
REJECT_WAIT = 1.0  # seconds to let a rejected client's request arrive before answering
STOP_LINGER = 2.0  # seconds a stopping worker gives a request head that is under way


def _plain(status: str, code: str, message: str, extra: str = "") -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n").encode() + body


BUSY = _plain("503 Service Unavailable", "busy",
              "This server process has too many open connections; try again in a moment.",
              "Retry-After: 1\r\nCache-Control: no-store\r\n")
SLOW = _plain("408 Request Timeout", "request_timeout",
              "The request line and headers did not arrive in time.")
HUGE = _plain("431 Request Header Fields Too Large", "headers_too_large",
              "The request line and headers are too long.")


class GuardedWorker(ThreadWorker):
    """gthread with the request head read in the event loop, head timeouts and a 503 bound."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bound = self.cfg.worker_connections
        # gthread stops accepting at worker_connections; we keep accepting to answer 503.
        self.worker_connections = self.bound + REJECT_BACKLOG
        self.max_keepalived = max(1, self.bound - self.cfg.threads)
        self.header_timeout = float(settings.get("HEADER_TIMEOUT"))
        self.reading: dict[TConn, float] = {}  # connection -> deadline of its head
        self.rejecting: dict[TConn, float] = {}  # connection -> when to answer 503 anyway

    @classmethod
    def check_config(cls, cfg, log) -> None:
        if cfg.is_ssl:  # the head is read from the raw socket: TLS belongs to a proxy in front
            raise RuntimeError("newssearch's worker does not terminate TLS: use a proxy")
        super().check_config(cfg, log)

    def accept(self, listener) -> None:
        try:
            sock, addr = listener.accept()
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        conn = TConn(self.cfg, sock, addr, listener.getsockname())  # non-blocking
        if self.nr_conns >= self.bound:
            self.reject(conn)
            return
        self.nr_conns += 1
        conn.head = bytearray()
        self.await_head(conn)

    def await_head(self, conn: TConn) -> None:
        """Wait in the loop (no thread) until the connection's request head has arrived."""
        conn.sock.setblocking(False)
        self.reading[conn] = time.monotonic() + self.header_timeout
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_head_bytes, conn))

    def on_client_socket_readable(self, conn: TConn, client) -> None:
        """A kept-alive connection speaks again: its next head is read like a new one's."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.head = bytearray()
        self.await_head(conn)

    def on_head_bytes(self, conn: TConn, _sock) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.forget(conn)
            return
        conn.head += data
        if b"\r\n\r\n" not in conn.head and b"\n\n" not in conn.head:
            if len(conn.head) > MAX_HEAD:
                self.forget(conn, HUGE)
            return
        self.poller.unregister(conn.sock)
        del self.reading[conn]
        try:
            conn.init()  # the parser (once per connection); blocking socket from here on
        except Exception:  # a broken connection must not stop the loop
            self.log.debug("closing a connection the parser refused", exc_info=True)
            self.nr_conns -= 1
            conn.close()
            return
        conn.parser.unreader.unread(bytes(conn.head))
        conn.head = None
        conn.data_ready = True
        self.enqueue_req(conn)

    def forget(self, conn: TConn, answer: bytes = b"") -> None:
        """Close a connection that is waiting for its head (timed out, gone, or stopping)."""
        self.reading.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        if answer:
            try:
                conn.sock.send(answer)
            except OSError:
                pass
        self.nr_conns -= 1
        conn.close()

    def reject(self, conn: TConn) -> None:
        """Past the bound: read what the client sends (so closing does not reset the
        connection under its answer), then answer 503."""
        if len(self.rejecting) >= REJECT_BACKLOG:
            conn.close()
            return
        self.rejecting[conn] = time.monotonic() + REJECT_WAIT
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_rejected_bytes, conn))

    def on_rejected_bytes(self, conn: TConn, _sock) -> None:
        try:
            conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        self.answer_busy(conn)

    def answer_busy(self, conn: TConn) -> None:
        del self.rejecting[conn]
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        try:
            conn.sock.send(BUSY)
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        conn.close()

    def murder_pending(self) -> None:
        """Once a second from gthread's loop: close heads past their deadline, answer the
        rejected connections whose request did not come."""
        super().murder_pending()
        now = time.monotonic()
        if not self.alive:  # stopping: a head under way gets a moment, an idle one none
            for conn in self.reading:
                self.reading[conn] = min(self.reading[conn], now + (STOP_LINGER if conn.head
                                                                    else 0.0))
        for conn, deadline in list(self.reading.items()):
            if deadline <= now:
                self.forget(conn, SLOW if conn.head else b"")
        for conn, deadline in list(self.rejecting.items()):
            if deadline <= now:
                self.answer_busy(conn)

    def handle_request(self, req, conn: TConn) -> bool:
        """The body and the answer: a stalled client times out its request, not the thread."""
        conn.sock.settimeout(self.header_timeout)
        return super().handle_request(req, conn)
