"""OpenSSH public keys as people log in with them: read, checked and fingerprinted, without a crypto library.

A key line is ``TYPE BASE64 [COMMENT]`` (an ``id_ed25519.pub`` file, or a line of ``authorized_keys`` without
options). The blob is checked field by field for its type (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa of
2048 bits or more); the SSH server verifies signatures with its own library. The fingerprint is OpenSSH's
``SHA256:`` form (``ssh-keygen -l``), which is how an SSH server names the key a client offers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

#: ECDSA curves: (type, curve name, bytes of an uncompressed point).
_ECDSA = {"ecdsa-sha2-nistp256": ("nistp256", 65), "ecdsa-sha2-nistp384": ("nistp384", 97),
          "ecdsa-sha2-nistp521": ("nistp521", 133)}
KEY_TYPES = ("ssh-ed25519", *_ECDSA, "ssh-rsa")
MIN_RSA_BITS = 2048
_PRIVATE_MARKERS = ("PRIVATE KEY", "PuTTY-User-Key-File", "SSH2 ENCRYPTED PRIVATE KEY")


class KeyFileError(ValueError):
    """A key file that cannot be used; the message never quotes the file's content."""


@dataclass(frozen=True)
class PublicKey:
    """One public key: its type, the key as OpenSSH writes it (``TYPE BASE64``), fingerprint and comment."""

    type: str
    text: str
    fingerprint: str
    comment: str


def fingerprint(blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a key blob: ``SHA256:`` and unpadded base64."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _fields(blob: bytes) -> list[bytes]:
    """The length-prefixed strings of a key blob (RFC 4251 §5); ValueError if it is not made of them."""
    out, at = [], 0
    while at < len(blob):
        if at + 4 > len(blob):
            raise ValueError("truncated")
        size = int.from_bytes(blob[at:at + 4], "big")
        at += 4
        if size > len(blob) - at:
            raise ValueError("truncated")
        out.append(blob[at:at + size])
        at += size
    return out


def _check_blob(kind: str, blob: bytes) -> None:
    """ValueError (with the reason) unless ``blob`` is a well-formed public key of type ``kind``."""
    fields = _fields(blob)
    if not fields or fields[0] != kind.encode():
        raise ValueError(f"its data is not a {kind} key")
    if kind == "ssh-ed25519":
        if len(fields) != 2 or len(fields[1]) != 32:
            raise ValueError("its ssh-ed25519 key is not 32 bytes")
    elif kind in _ECDSA:
        curve, size = _ECDSA[kind]
        if len(fields) != 3 or fields[1] != curve.encode() or len(fields[2]) != size or fields[2][:1] != b"\x04":
            raise ValueError(f"its {kind} key is not a point on {curve}")
    else:  # ssh-rsa: e, n
        if len(fields) != 3 or not fields[1] or not fields[2]:
            raise ValueError("its ssh-rsa key is not an exponent and a modulus")
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < MIN_RSA_BITS:
            raise ValueError(f"its RSA key has {bits} bits; at least {MIN_RSA_BITS} are needed")


def parse_key_line(line: str) -> PublicKey:
    """One public key line; ValueError saying why not (never quoting the line)."""
    parts = line.strip().split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise ValueError(f"it is not an OpenSSH public key ({', '.join(KEY_TYPES)})")
    kind, data = parts[0], parts[1]
    try:
        blob = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("its key data is not base64") from None
    _check_blob(kind, blob)
    return PublicKey(kind, f"{kind} {base64.b64encode(blob).decode()}", fingerprint(blob),
                     parts[2].strip() if len(parts) > 2 else "")


def read_public_keys(text: str, source: str) -> list[PublicKey]:
    """The public keys of a file's ``text`` (one per line; blank lines and ``#`` comments skipped).

    A private key (OpenSSH, PEM or PuTTY) is refused as such: nothing of it is read or repeated.
    """
    if any(marker in text for marker in _PRIVATE_MARKERS):
        raise KeyFileError(f"{source} is a private key: give the public key instead (for example {source}.pub, "
                        "or `ssh-keygen -y -f` prints it); nothing of it is kept or shown")
    keys = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            keys.append(parse_key_line(line))
        except ValueError as exc:
            raise KeyFileError(f"{source} line {number}: {exc}") from None
    if not keys:
        raise KeyFileError(f"{source} holds no public key ({', '.join(KEY_TYPES)})")
    return keys
