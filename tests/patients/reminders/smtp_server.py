"""A real SMTP server for the worker tests (aiosmtpd, in a thread of the test process) with faults.

Per recipient, a queue of behaviours decides each message's fate, one behaviour per message
(then "accept"): "accept" (250 with a queue id), "tempfail" (451 at DATA), "reject" (550 at RCPT)
or "drop" (the whole message is received, then the connection is closed without an answer: the
client cannot know, and the message is not kept). `stall_at = n` holds the n-th message (counting
every DATA) unanswered until `release()` or until the client's connection goes away (a killed
worker): such a message is not kept either. Accepted messages are counted by Message-ID, so a
message sent twice shows up as a Message-ID with count 2.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import threading
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


@dataclass
class Accepted:
    message_id: str
    recipient: str
    reply: str


@dataclass
class FaultySmtp:
    rules: dict[str, collections.deque] = field(default_factory=dict)
    stall_at: int | None = None
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (recipient, behaviour)
    data_commands: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stalled: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)

    # --- configuration and counts (test thread) ---
    def fail(self, recipient: str, *behaviours: str) -> None:
        with self.lock:
            self.rules.setdefault(recipient.lower(), collections.deque()).extend(behaviours)

    def release(self) -> None:
        self._release.set()

    def counts(self) -> collections.Counter:
        """Accepted messages per Message-ID."""
        with self.lock:
            return collections.Counter(a.message_id for a in self.accepted)

    def total(self) -> int:
        with self.lock:
            return len(self.accepted)

    def duplicates(self) -> int:
        """Messages accepted more than once: the copies beyond the first."""
        return sum(n - 1 for n in self.counts().values())

    # --- aiosmtpd hooks (server thread) ---
    def _next(self, recipient: str) -> str:
        with self.lock:
            queue = self.rules.get(recipient.lower())
            return queue.popleft() if queue else "accept"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        behaviour = self._next(address)
        if behaviour == "reject":
            with self.lock:
                self.refused.append((address, "reject"))
            return "550 5.1.1 Recipient address rejected"
        envelope.rcpt_tos.append(address)
        envelope.behaviour = behaviour
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
        if self.stall_at == number:
            self.stalled.set()
            try:
                while not self._release.is_set() and not server.transport.is_closing():
                    await asyncio.sleep(0.02)  # the slow server: waits for the test or the client's death
            except asyncio.CancelledError:  # aiosmtpd cancels the session when the client's connection is lost
                with self.lock:
                    self.refused.append((recipient, "lost-in-flight"))
                raise
            if server.transport.is_closing():
                with self.lock:
                    self.refused.append((recipient, "lost-in-flight"))
                return "421 4.3.0 Closing"
        behaviour = getattr(envelope, "behaviour", "accept")
        if behaviour == "tempfail":
            with self.lock:
                self.refused.append((recipient, "tempfail"))
            return "451 4.3.0 Try again later"
        if behaviour == "drop":
            with self.lock:
                self.refused.append((recipient, "drop"))
            server.transport.close()
            return "421 4.3.0 Closing"
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            reply = f"250 2.0.0 Ok: queued as Q{len(self.accepted) + 1:05d}"
            self.accepted.append(Accepted(str(headers["Message-ID"]), recipient, reply))
        return reply


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """Start on a free port of 127.0.0.1; `.handler` is the FaultySmtp; stop() when done."""

    def __init__(self):
        self.handler = FaultySmtp()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.handler.release()
        self.controller.stop()
