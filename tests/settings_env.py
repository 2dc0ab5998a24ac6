"""Read the settings module again under given environment variables (for "comes from the environment" tests)."""

from __future__ import annotations

import importlib
from contextlib import contextmanager


@contextmanager
def settings_from_env(monkeypatch, **variables: str):
    """Yield portal.settings.base as read with these variables set; then restore both."""
    import portal.settings.base as base

    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    try:
        yield importlib.reload(base)
    finally:
        for name in variables:
            monkeypatch.delenv(name)
        importlib.reload(base)
