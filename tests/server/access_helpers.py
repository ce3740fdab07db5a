"""People with tokens for the access-role tests: keys made here (no ssh-keygen needed), tokens minted in storage."""

from __future__ import annotations

import base64
import os

from roster_tui.core.ssh_keys import PublicKey, parse_key_line
from roster_tui.server.auth import new_token, token_hash
from roster_tui.server.storage.sql import SqlStorage


def ed25519_line(comment: str = "someone@laptop") -> str:
    """A well-formed ssh-ed25519 public key line (random key bytes)."""
    blob = b"".join(len(part).to_bytes(4, "big") + part for part in (b"ssh-ed25519", os.urandom(32)))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def new_key() -> PublicKey:
    return parse_key_line(ed25519_line())


def person_token(db: str, name: str, role: str) -> str:
    """Add a person with a key and the role, and return a token that acts as them."""
    storage = SqlStorage(db)
    try:
        storage.add_person(name, role, [new_key()])
        token = new_token()
        storage.add_person_token(name, token_hash(token).hex(), "test")
        return token
    finally:
        storage.close()
