"""Who may use the service: named API tokens (stored hashed) and people with their SSH keys and access roles.

A person's tokens are rows of ``api_tokens`` linked to the person (``person_pk``), not one token made by
``roster people add``: only a token's hash is kept, so a token made once could never be handed out again. An
SSH server finds the person by the fingerprint of the key a client logs in with (:meth:`person_by_fingerprint`),
mints a token for that session and records its hash here (:meth:`add_person_token`), gives the token to the
session's console and revokes it when the session ends. Such a token authenticates as the person: the audit
trail names them, and their role is read at each look-up, so ``roster people role`` and ``roster people remove``
reach running sessions within the token cache's time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from roster_tui.core.access import ACCOUNT_ADMIN_ACCESS
from roster_tui.core.ssh_keys import PublicKey
from roster_tui.server.storage.base import now
from roster_tui.server.storage.tables import api_tokens, people, person_keys

_ACCESS = (select(api_tokens.c.name, api_tokens.c.role, people.c.name, people.c.role, people.c.removed)
           .select_from(api_tokens.outerjoin(people, people.c.pk == api_tokens.c.person_pk)))


class AccessStore:
    """Tokens and people, for :class:`~roster_tui.server.storage.sql.SqlStorage`."""

    read_engine: Engine
    write_engine: Engine

    def add_token(self, name: str, digest: str, role: str = ACCOUNT_ADMIN_ACCESS) -> None:
        """Record a named token by its SHA-256 hex digest; a name is used once (revoked names stay taken), and
        never a person's."""
        try:
            with self.write_engine.begin() as conn:
                if conn.execute(select(people.c.pk).where(people.c.name == name)).first() is not None:
                    raise ValueError(f"{name!r} is a person's name (roster people); choose another token name")
                conn.execute(insert(api_tokens).values(name=name, hash=digest, created=now(), role=role))
        except IntegrityError:
            raise ValueError(f"a token named {name!r} exists already; choose another name") from None

    def revoke_token(self, name: str) -> bool:
        with self.write_engine.begin() as conn:
            done = conn.execute(api_tokens.update().where(api_tokens.c.name == name, api_tokens.c.revoked.is_(None))
                                .values(revoked=now()))
        return done.rowcount == 1

    def tokens(self) -> list[dict[str, Any]]:
        """Every token: name, created, revoked, role and the person it belongs to (None: a named token)."""
        query = (select(api_tokens.c.name, api_tokens.c.created, api_tokens.c.revoked, api_tokens.c.role,
                        people.c.name, people.c.role)
                 .select_from(api_tokens.outerjoin(people, people.c.pk == api_tokens.c.person_pk))
                 .order_by(api_tokens.c.pk))
        with self.read_engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"name": r[0], "created": r[1], "revoked": r[2], "role": r[5] or r[3], "person": r[4]}
                for r in rows]

    def token_access(self, digest: str) -> tuple[str, str] | None:
        """(name, role) of the live token with this digest: a person's token acts as the person, with their
        role, and stops working when they are removed."""
        with self.read_engine.connect() as conn:
            row = conn.execute(_ACCESS.where(api_tokens.c.hash == digest, api_tokens.c.revoked.is_(None))).first()
        if row is None:
            return None
        name, role, person, person_role, removed = row
        if person is None:
            return name, role
        return None if removed else (person, person_role)

    def add_person(self, name: str, role: str, keys: list[PublicKey]) -> None:
        """Record a person with their public keys; ValueError if the name or a key is taken."""
        with self.write_engine.begin() as conn:
            taken = conn.execute(select(people.c.removed).where(people.c.name == name)).first()
            if taken is not None:
                when = f" (removed {taken[0][:10]}; names stay taken so the audit trail names one person)" \
                    if taken[0] else ""
                raise ValueError(f"a person named {name!r} exists already{when}; choose another name")
            if conn.execute(select(api_tokens.c.pk).where(api_tokens.c.name == name)).first() is not None:
                raise ValueError(f"{name!r} names an API token (roster token list); choose another name")
            stamp = now()
            pk = conn.execute(insert(people).values(name=name, role=role, created=stamp)).inserted_primary_key[0]
            self._add_keys(conn, pk, keys, stamp)

    @staticmethod
    def _add_keys(conn: Any, person_pk: int, keys: list[PublicKey], stamp: str) -> None:
        seen: set[str] = set()
        for key in keys:
            if key.fingerprint in seen:
                continue
            seen.add(key.fingerprint)
            owner = conn.execute(select(people.c.name).select_from(person_keys.join(
                people, people.c.pk == person_keys.c.person_pk)).where(
                person_keys.c.fingerprint == key.fingerprint)).scalar()
            if owner is not None:
                raise ValueError(f"the key {key.fingerprint} is {owner}'s already: a key logs in one person")
            conn.execute(insert(person_keys).values(person_pk=person_pk, key_type=key.type, public_key=key.text,
                                                    fingerprint=key.fingerprint, comment=key.comment, added=stamp))

    def people(self, removed: bool = False) -> list[dict[str, Any]]:
        """The people (with ``removed``: also those removed), each with name, role, created, removed and keys
        (type, fingerprint, comment): no key text, no token."""
        query = select(people.c.pk, people.c.name, people.c.role, people.c.created, people.c.removed)
        if not removed:
            query = query.where(people.c.removed.is_(None))
        with self.read_engine.connect() as conn:
            rows = conn.execute(query.order_by(func.lower(people.c.name))).all()
            keys = conn.execute(select(person_keys.c.person_pk, person_keys.c.key_type, person_keys.c.fingerprint,
                                       person_keys.c.comment).order_by(person_keys.c.pk)).all()
        by_person: dict[int, list[dict[str, str]]] = {}
        for pk, kind, fp, comment in keys:
            by_person.setdefault(pk, []).append({"type": kind, "fingerprint": fp, "comment": comment})
        return [{"name": r[1], "role": r[2], "created": r[3], "removed": r[4], "keys": by_person.get(r[0], [])}
                for r in rows]

    def _live_person(self, conn: Any, name: str) -> int | None:
        return conn.execute(select(people.c.pk).where(people.c.name == name, people.c.removed.is_(None))).scalar()

    def set_person_role(self, name: str, role: str) -> bool:
        """Give a person another role (their tokens follow it); False if no such person."""
        with self.write_engine.begin() as conn:
            done = conn.execute(update(people).where(people.c.name == name, people.c.removed.is_(None))
                                .values(role=role))
        return done.rowcount == 1

    def remove_person(self, name: str) -> int | None:
        """Remove a person: their tokens are revoked and their keys dropped, in one transaction. The number of
        tokens revoked; None if no such person."""
        with self.write_engine.begin() as conn:
            pk = self._live_person(conn, name)
            if pk is None:
                return None
            stamp = now()
            conn.execute(update(people).where(people.c.pk == pk).values(removed=stamp))
            conn.execute(delete(person_keys).where(person_keys.c.person_pk == pk))
            done = conn.execute(update(api_tokens).where(api_tokens.c.person_pk == pk,
                                                         api_tokens.c.revoked.is_(None)).values(revoked=stamp))
        return int(done.rowcount)

    def person_by_fingerprint(self, fingerprint: str) -> dict[str, str] | None:
        """The live person a public key (by its ``SHA256:`` fingerprint) logs in: name and role."""
        query = (select(people.c.name, people.c.role)
                 .select_from(person_keys.join(people, people.c.pk == person_keys.c.person_pk))
                 .where(person_keys.c.fingerprint == fingerprint, people.c.removed.is_(None)))
        with self.read_engine.connect() as conn:
            row = conn.execute(query).first()
        return {"name": row[0], "role": row[1]} if row else None

    def add_person_token(self, name: str, digest: str, label: str) -> str:
        """Record a token of a person by its digest (an SSH session's, or ``roster people token``); it acts as
        the person. Returns the token's own name, ``NAME:LABEL``; ValueError if no such person or name."""
        token_name = f"{name}:{label}"
        try:
            with self.write_engine.begin() as conn:
                pk = self._live_person(conn, name)
                if pk is None:
                    raise ValueError(f"no person named {name!r} (roster people list)")
                conn.execute(insert(api_tokens).values(name=token_name, hash=digest, created=now(),
                                                       role=ACCOUNT_ADMIN_ACCESS, person_pk=pk))
        except IntegrityError:
            raise ValueError(f"a token named {token_name!r} exists already") from None
        return token_name
