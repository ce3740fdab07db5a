"""The first rows painted before Textual is up: laid out as the console lays them out, user data as text, and the
terminal handed over as it was (modes, keys typed meanwhile)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import termios
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from rich.cells import cell_len

from roster_tui.core.scim import ENTERPRISE_USER
from roster_tui.tui.first_frame import ENTER, LEAVE, FirstFrame, frame_text
from roster_tui.tui.first_requests import first_requests
from tests.conftest import stop_server
from tests.tui.conftest import EMBEDDED_URL, SOURCE, TOKEN, Embedded, settle
from tests.tui.test_e2e_tmux import ROSTER, TMUX, pane_env, seeded_server, tmux, wait_for_screen

CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def lines_of(text: str) -> dict[int, str]:
    """What each screen line shows (row number from 1), the codes left out."""
    return {int(m[1]): CODES.sub("", m[2]) for m in re.finditer(r"\x1b\[(\d+);1H(.*?)(?=\x1b\[\d+;1H|$)", text, re.S)}


def page(*users: dict[str, Any], total: int | None = None) -> bytes:
    return json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                       "totalResults": len(users) if total is None else total, "Resources": list(users)}).encode()


def user(n: int, **values: Any) -> dict[str, Any]:
    return {"id": f"u{n}", "userName": f"user{n}@x.example", "emails": [{"value": f"user{n}@x.example"}],
            "name": {"givenName": values.pop("given", f"Given{n}"), "familyName": f"Family{n}"},
            ENTERPRISE_USER: {"employeeNumber": f"E{n}"}, **values}


def test_user_data_is_text_and_no_line_is_wider_than_the_screen() -> None:
    hostile = user(1, given="\x1b[2J[b]M[/]", title="\x1b]0;pwned\x07=HYPERLINK(\"x\")\r\nnext")
    wide = user(2, given="山田太郎" * 10, title="x" * 500)
    text = frame_text(page(hostile, wide, total=1_234_567), 80, 24, "http://h/scim/v2\x1b[31m")
    assert text is not None
    assert "\x1b[2J" not in text and "\x1b]" not in text and "\x07" not in text and "\r" not in text
    lines = lines_of(text)
    assert lines[1].startswith(" Roster") and lines[3].startswith(" Query: ") and "1,234,567 shown" in lines[3]
    assert "[b]M[/] Family1" in lines[5] and "E1" in lines[5]  # markup shown as typed, never applied
    assert all(cell_len(line) <= 80 for line in lines.values()), lines
    assert "\x1b[31m" not in text and "␛[31m" in lines[2]  # the source's escape shown as text, not sent


def test_nothing_is_painted_for_what_is_no_page_or_no_room() -> None:
    for body in (b"not json", b"[]", b'{"Resources": "x"}', b'{"totalResults": "many", "Resources": []}'):
        assert frame_text(body, 80, 24, SOURCE) is None, body
    assert frame_text(page(user(1)), 80, 5, SOURCE) is None  # no line left for a row
    assert frame_text(page(user(1)), 10, 24, SOURCE) is None
    assert frame_text(page(), 80, 24, SOURCE) is None  # an empty roster: the console says so itself


async def test_the_rows_are_where_the_console_then_draws_them(embedded: Embedded) -> None:
    """The painted rows are the console's first rows, cell for cell: nothing moves when the console takes over."""
    path, params = first_requests()[0]
    async with httpx.AsyncClient(transport=embedded.transport, base_url=EMBEDDED_URL + "/",
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        body = (await http.get(path, params=params)).content
    size = (120, 20)
    painted = lines_of(frame_text(body, *size, SOURCE) or "")
    app = embedded.app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        drawn = [strip.text for strip in app.screen._compositor.render_strips()]
    assert painted[4].rstrip() == drawn[3].rstrip()  # the header
    rows = [n for n in painted if n >= 5]
    assert len(rows) >= 10
    for n in rows:
        assert painted[n].rstrip() == drawn[n - 1].rstrip(), "\n".join(drawn)


def read_all(fd: int) -> str:
    """What the pty's other end has been sent so far."""
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        out += os.read(fd, 65536)
    return out.decode()


def sized(fd: int) -> None:
    """A new pty is 0x0: 80x24."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))


def test_painting_quiets_the_keys_and_hand_over_gives_the_modes_back() -> None:
    main, side = os.openpty()
    try:
        before = termios.tcgetattr(side)
        frame = FirstFrame(SOURCE, out=side, keys=side)
        sized(side)
        frame.paint(page(user(1), user(2)))
        shown = read_all(main)
        assert shown.startswith(ENTER) and "Given1 Family1" in shown
        quiet = termios.tcgetattr(side)
        assert not quiet[3] & termios.ECHO and not quiet[3] & termios.ICANON and not quiet[0] & termios.ICRNL
        assert quiet[3] & termios.ISIG  # ctrl+c still stops the start
        os.write(main, b"/E1\r")  # typed while the console starts: kept, as typed
        assert select.select([side], [], [], 5)[0]  # (a pty passes input on in its own time)
        frame.paint(page(user(3)))  # once only
        frame.hand_over()
        assert termios.tcgetattr(side) == before
        frame.paint(page(user(4)))  # the console has the terminal: nothing more
        frame.restore()  # after a hand-over the console gives the terminal back itself
        after = read_all(main)
        assert "Given3" not in after and "Given4" not in after and LEAVE not in after
        raw = termios.tcgetattr(side)
        raw[3] &= ~termios.ICANON
        termios.tcsetattr(side, termios.TCSANOW, raw)
        assert os.read(side, 100) == b"/E1\r"  # as the console will read them: Enter is still an Enter
    finally:
        os.close(main)
        os.close(side)


def test_restore_leaves_the_painted_screen_when_the_console_never_starts() -> None:
    main, side = os.openpty()
    try:
        sized(side)
        before = termios.tcgetattr(side)
        frame = FirstFrame(SOURCE, out=side, keys=side)
        frame.paint(page(user(1)))
        frame.restore()
        frame.restore()
        shown = read_all(main)
        assert shown.startswith(ENTER) and shown.endswith(LEAVE) and shown.count(LEAVE) == 1
        assert termios.tcgetattr(side) == before
    finally:
        os.close(main)
        os.close(side)


def test_the_terminal_is_as_it_was_after_the_console_in_a_real_terminal(tmp_path: Path) -> None:
    """In tmux: the installed command paints, the console takes over and quits; the shell's terminal modes are
    the ones it had (echo, line editing), and the main screen is back."""
    server = seeded_server(tmp_path, 300, 5)
    session = f"roster-ff-{uuid.uuid4().hex[:8]}"
    env = pane_env(ROSTER_API_TOKEN=server.token, ROSTER_CONFIG_DIR=str(tmp_path / "cfg"),
                   ROSTER_DATA_DIR=str(tmp_path / "data"))
    before, after = tmp_path / "before", tmp_path / "after"
    script = f"stty -g > {before}; echo shell-was-here; {ROSTER} --api {server.url}; stty -g > {after}; sleep 30"
    try:
        env_flags = [f"-e{k}={env[k]}" for k in ("ROSTER_API_TOKEN", "ROSTER_CONFIG_DIR", "ROSTER_DATA_DIR")]
        subprocess.run([*TMUX, "new-session", "-d", "-s", session, "-x", "100", "-y", "30", *env_flags,
                        "sh", "-c", script], check=True, env=env)
        wait_for_screen(session, "? Help")  # the console's own frame
        tmux("send-keys", "-t", session, "C-q")
        screen = wait_for_screen(session, "shell-was-here")
        assert "Roster" not in screen  # the main screen, as the shell left it
        deadline = time.monotonic() + 10
        while not (after.exists() and after.read_text().endswith("\n")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert after.read_text() == before.read_text()
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)
        stop_server(server)
