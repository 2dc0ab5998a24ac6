"""A file-drop email backend for the worker tests, with a switch that stalls a send.

While `<dir>/block` exists, a send first writes `<dir>/started` (with the process id) and waits
until the file is removed: the test kills that process mid-delivery.
"""

import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class FileDropBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.REMINDER_TEST_MAIL_DIR)
        for message in email_messages:
            block = folder / "block"
            if block.exists():
                (folder / "started").write_text(str(os.getpid()))
                while block.exists():  # the simulated slow mail server, not a test wait
                    time.sleep(0.02)
            path = folder / f"{uuid.uuid4().hex}.eml"
            path.write_bytes(message.message().as_bytes())
        return len(email_messages)


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses connections."""

    def open(self):
        raise ConnectionRefusedError("smtp down")

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")
