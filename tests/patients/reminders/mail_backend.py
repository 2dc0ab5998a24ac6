"""A mail backend for tests that must see the mail server refuse (the worker tests use the real
SMTP test server of smtp_server.py instead)."""

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses connections."""

    def open(self):
        raise ConnectionRefusedError("smtp down")

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")
