"""Errors that reach the user as one line of Chinese."""

from __future__ import annotations


class StoreError(Exception):
    """A failure the user can act on; ``str(error)`` is a one-line Chinese message."""


class ConflictError(StoreError):
    """The record was changed by someone else since it was opened (version check)."""
