"""Transitional: ``problem`` now lives in :mod:`powerreg.errors` (removed when every
caller imports it from there)."""

from __future__ import annotations

from .errors import problem

__all__ = ["problem"]
