"""Text messages behind a small interface; settings.SMS_BACKEND names the class to use.

The console backend writes a line to the log instead of sending, with the number masked. A real
gateway (Twilio, AWS SNS...) is one subclass with `send()`; messages never carry health details.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend:
    def send(self, to: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    sent: list[tuple[str, str]] = []  # for tests in the same process

    def send(self, to: str, text: str) -> None:
        self.sent.append((to, text))
        logger.info("SMS to ***%s: %s", to[-4:], text)


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
