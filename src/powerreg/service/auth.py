"""Who may do what: tokens for the systems that post events and for the readers of the
feed.

A token is a secret of 256 random bits (:func:`secrets.token_urlsafe`), shown once when
it is made; the state database keeps only its SHA-256, and a presented token is checked
by hashing it and comparing the hashes in constant time (:func:`hmac.compare_digest`).

A token carries a name (for the log and the stored events: the secret is never logged),
the powers it is for, and two rights:

* **send** — post events, of its powers only (403 for any other power). A sending
  token always names its powers.
* **read** — read the feed, the cases and the per-power summary: of its powers, or of
  every power when it names none (the supervision office).

Examples:
    >>> t = Token("xk-system", frozenset({"XK-001"}), send=True, read=False)
    >>> t.may_send("XK-001"), t.may_send("CF-001"), t.may_read("XK-001")
    (True, False, False)
    >>> office = Token("office", None, send=False, read=True)
    >>> office.may_read("CF-001"), office.may_send("CF-001")
    (True, False)
    >>> len(digest("a secret")), digest("a secret") == digest("a secret")
    (64, True)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import UsageError
from ..model import Registry
from .state import Store

#: A token's name: letters, digits, ``-``, ``_`` and ``.`` (it appears in logs).
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Token:
    """A stored token, without its secret."""

    name: str
    #: the powers it is for; ``None``: every power (a reader only)
    powers: frozenset[str] | None
    send: bool
    read: bool

    def may_send(self, power: str) -> bool:
        """Whether the token may post events of ``power``."""
        return self.send and self.powers is not None and power in self.powers

    def may_read(self, power: str) -> bool:
        """Whether the token may read cases and findings of ``power``."""
        return self.read and (self.powers is None or power in self.powers)

    def describe(self) -> str:
        """``xk-system: posts XK-001, XK-002`` and the like, for messages."""
        powers = ", ".join(sorted(self.powers)) if self.powers is not None else "every power"
        rights = [w for w, ok in (("posts", self.send), ("reads", self.read)) if ok]
        return f"{self.name}: {' and '.join(rights)} {powers}"


def digest(secret: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def add_token(
    store: Store,
    name: str,
    *,
    powers: frozenset[str] | None = None,
    reader: bool = False,
    registry: Registry | None = None,
) -> tuple[Token, str]:
    """Make a token named ``name`` and store its hash: the token and its secret, which
    is never stored nor shown again.

    With ``powers`` the token may post events of those powers (and, with ``reader``,
    read them); without, it is a reader of every power and ``reader`` is required.
    Given the ``registry``, every power must be one of it.

    Raises:
        UsageError: a bad or taken name, no right given, or a power the registry lacks.
    """
    if not NAME.match(name):
        raise UsageError("service.bad_token_name", name=repr(name))
    if powers is None and not reader:
        raise UsageError("service.token_no_right")
    if powers is not None:
        if not powers:
            raise UsageError("service.powers_empty")
        if registry is not None:
            unknown = sorted(p for p in powers if p not in registry.powers)
            if unknown:
                raise UsageError(
                    "service.unknown_powers", registry=registry.id, powers=", ".join(unknown)
                )
    secret = secrets.token_urlsafe(32)
    token = Token(name, powers, send=powers is not None, read=reader)
    stored = json.dumps(sorted(powers)) if powers is not None else None
    created = datetime.now(UTC).isoformat(timespec="seconds")
    with store.lock:
        if store.conn.execute("SELECT 1 FROM tokens WHERE name = ?", (name,)).fetchone():
            raise UsageError("service.token_taken", name=repr(name))
        with store.transaction():
            store.add_token(name, digest(secret), stored, token.send, token.read, created)
    return token, secret


class Tokens:
    """The tokens of a state database, looked up by the secret a request presents.

    Tokens are read from the database when first presented, so a token added while the
    service runs (``powerreg supervise add-token``) works at once.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._known: dict[str, Token] = {}

    def check(self, secret: str | None) -> Token | None:
        """The token whose secret is ``secret``, or None."""
        if not secret:
            return None
        wanted = digest(secret)
        hit = self._known.get(wanted)
        if hit is not None:
            return hit
        row = self.store.token(wanted)
        if row is None or not hmac.compare_digest(row[1], wanted):
            return None
        name, _, powers, send, read = row
        token = Token(
            name,
            frozenset(json.loads(powers)) if powers is not None else None,
            bool(send),
            bool(read),
        )
        self._known[wanted] = token
        return token


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header, or None.

    Examples:
        >>> bearer("Bearer abc"), bearer("bearer  abc "), bearer("Basic abc"), bearer(None)
        ('abc', 'abc', None, None)
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
