"""Bearer-token authentication: named tokens, compared by hash in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from roster_tui.server.errors import ScimError


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class TokenRegistry:
    """The tokens the service accepts, by name; only their SHA-256 hashes are kept.

    ``lookup`` finds named tokens kept in the database (``roster token create``); answers are cached for
    ``ttl`` seconds, so a revoked token stops working within that time.
    """

    hashes: dict[str, bytes] = field(default_factory=dict)
    lookup: Callable[[str], str | None] | None = None
    ttl: float = 5.0
    _cache: dict[bytes, tuple[float, str | None]] = field(default_factory=dict)

    def add(self, name: str, token: str) -> None:
        self.hashes[name] = token_hash(token)

    def authenticate(self, header: str | None) -> str:
        """The name of the token in an ``Authorization`` header, or a 401 ScimError."""
        if not header or not header[:7].lower() == "bearer ":
            raise ScimError(401, "Authorization: Bearer <token> is required")
        offered = token_hash(header[7:].strip())
        found = None
        for name, digest in self.hashes.items():  # compare with every token: no early exit
            if hmac.compare_digest(offered, digest):
                found = name
        if found is None and self.lookup is not None:
            found = self._named(offered)
        if found is None:
            raise ScimError(401, "the bearer token is not valid")
        return found

    def _named(self, digest: bytes) -> str | None:
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is None or now - cached[0] > self.ttl:
            if len(self._cache) > 10_000:
                self._cache.clear()
            cached = (now, self.lookup(digest.hex()))  # type: ignore[misc]
            self._cache[digest] = cached
        return cached[1]
