"""Who may do what through the roster service: the access role of each token and person.

- ``viewer``: reads everything, writes nothing.
- ``editor``: writes users, groups and changes, but never a user's admin roles (admin access).
- ``account-admin``: everything, admin roles included. The service's own tokens (``ROSTER_API_TOKEN``,
  ``--token-file``, the local and embedded ones) and every token made before roles existed have this role.

These are roles of the people and tokens that use the roster, not the admin roles of the roster's users
(``roles`` in SCIM, e.g. "Account Admin"): an account-admin is who may grant or remove those.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEWER = "viewer"
EDITOR = "editor"
ACCOUNT_ADMIN_ACCESS = "account-admin"
#: Every access role, least first.
ACCESS_ROLES = (VIEWER, EDITOR, ACCOUNT_ADMIN_ACCESS)
#: ``GET /Access``: who the request's token acts as, and with which role (a roster extension; its message schema
#: is published in ``/Schemas``, so a client knows to ask).
ACCESS = "urn:roster-tui:params:scim:api:messages:2.0:Access"
ACCESS_ENDPOINT = "/Access"


@dataclass(frozen=True)
class Access:
    """Who a client's token acts as (a person's or a named token's name) and its role."""

    name: str
    role: str

    @property
    def writes(self) -> bool:
        return self.role != VIEWER

    @property
    def shown(self) -> str:
        return f"{self.name} · {self.role}"

    def refusal(self, what: str) -> str:
        """What the console says when ``what`` ("Save", "Import"...) is asked of a viewer."""
        return f"{what}: {viewer_refusal(self.name)} (ask an account admin for the editor role)"


def role_problem(role: str) -> str | None:
    """Why ``role`` is not an access role (None when it is)."""
    if role in ACCESS_ROLES:
        return None
    return f"unknown role {role[:40]!r}: use {', '.join(ACCESS_ROLES)}"


def viewer_refusal(name: str) -> str:
    """What a viewer's write is told."""
    return f"the token of {name} is a viewer's: it can read, not write"


def admin_roles_refusal(name: str, what: str) -> str:
    """What an editor's change to admin roles is told; ``what`` says the change ("changes the admin roles of
    dana@acme.example")."""
    return (f"the token of {name} is an editor's: it can change users but not admin roles or admin access, and "
            f"this {what}; an account-admin can")
