"""Bearer-token authentication: named tokens, compared by hash in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from roster_tui.core.access import ACCOUNT_ADMIN_ACCESS
from roster_tui.server.errors import ScimError


class Actor(str):
    """Who a request acts as: the token's name (a person's token: the person's), as the audit trail writes it,
    carrying the token's access role (:mod:`roster_tui.core.access`)."""

    role: str

    def __new__(cls, name: str, role: str = ACCOUNT_ADMIN_ACCESS) -> Actor:
        actor = super().__new__(cls, name)
        actor.role = role
        return actor


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class TokenRegistry:
    """The tokens the service accepts, by name; only their SHA-256 hashes are kept.

    ``lookup`` finds the (name, role) of tokens kept in the database (``roster token create``, a person's
    tokens); answers are cached for ``ttl`` seconds, so a revoked token, a removed person or a new role takes
    effect within that time. Tokens given with :meth:`add` (the service's own) are account-admin's.
    """

    hashes: dict[str, bytes] = field(default_factory=dict)
    lookup: Callable[[str], tuple[str, str] | None] | None = None
    ttl: float = 5.0
    _cache: dict[bytes, tuple[float, Actor | None]] = field(default_factory=dict)

    def add(self, name: str, token: str) -> None:
        self.hashes[name] = token_hash(token)

    def authenticate(self, header: str | None) -> Actor:
        """Who the token in an ``Authorization`` header acts as, or a 401 ScimError."""
        if not header or not header[:7].lower() == "bearer ":
            raise ScimError(401, "Authorization: Bearer <token> is required")
        offered = token_hash(header[7:].strip())
        found: Actor | None = None
        for name, digest in self.hashes.items():  # compare with every token: no early exit
            if hmac.compare_digest(offered, digest):
                found = Actor(name)
        if found is None and self.lookup is not None:
            found = self._named(offered)
        if found is None:
            raise ScimError(401, "the bearer token is not valid")
        return found

    def _named(self, digest: bytes) -> Actor | None:
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is None or now - cached[0] > self.ttl:
            if len(self._cache) > 10_000:
                self._cache.clear()
            access = self.lookup(digest.hex())  # type: ignore[misc]
            cached = (now, Actor(*access) if access else None)
            self._cache[digest] = cached
        return cached[1]
