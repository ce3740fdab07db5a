"""The service refuses to remove the last active Account Admin in the same sentence as the console and CLI."""

from __future__ import annotations

from typing import Any

import pytest

from roster_tui.core.removal_plan import last_admin_reason
from roster_tui.server import service
from roster_tui.server.errors import ScimError
from roster_tui.server.storage.sql import SqlStorage
from tests.server.helpers import patch, user_body


def test_the_service_says_core_s_sentence_for_each_refusal(database: str) -> None:
    storage = SqlStorage(database)  # a roster of its own: this admin is the only one
    try:
        body = user_body(roles=[{"value": "Account Admin"}])
        with storage.write("test") as writer:
            id = service.create_user(writer, body).id
        refusals: list[tuple[str, Any]] = [
            ("deactivate", lambda w: service.patch_user(
                w, id, patch({"op": "replace", "path": "active", "value": False}), None)),
            ("unassign", lambda w: service.patch_user(w, id, patch({"op": "remove", "path": "roles"}), None)),
            ("delete", lambda w: service.delete_user(w, id, None)),
        ]
        for action, write in refusals:
            with pytest.raises(ScimError) as info, storage.write("test") as writer:
                write(writer)
            assert (info.value.status, info.value.detail) == (409, last_admin_reason(body["userName"], action))
    finally:
        storage.close()
    email = body["userName"]
    assert [last_admin_reason(email, action) for action in ("deactivate", "delete", "unassign")] == [
        f"{email} is the last active Account Admin and cannot {what}; give another active user the Account Admin "
        "role first" for what in ("be deactivated", "be deleted", "lose that role")]
