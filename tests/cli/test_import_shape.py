"""``roster import``'s shape of a plan against a real ``roster serve``: the anomalies and the changes grouped by field
and value, in the text (before the per-user list; ``--groups``: every group, no per-user list) and in ``--json``."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_import import plan_json, roster, tag, write
from tests.conftest import RunningServer

HEADER = "Email,First Name,Last Name,Department,Location\n"


def test_anomalies_and_groups_in_text_and_json(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    people = [f"p{n}.{t}@x.example" for n in range(30)]
    start = write(tmp_path, HEADER + "".join(f"{p},P,L,D{n % 4},Berlin\n" for n, p in enumerate(people)))
    assert roster(server, tmp_path, "import", str(start), "--apply", "--yes").returncode == 0
    rows = [f"{p},,,{'[bold]Sales' if n < 28 else 'Ops'},{'[clear]' if n < 25 else ''}\n"
            for n, p in enumerate(people)]
    path = write(tmp_path, HEADER + "".join(rows), "reorg.csv")

    text = roster(server, tmp_path, "import", str(path))
    assert text.returncode == 1, text.stderr
    out = text.stdout
    assert "Anomalies (2): what a routine file rarely does; check before applying" in out
    assert "  ! department: 28 of 30 changes (93.3%) write one value, '[bold]Sales' (p0." in out
    assert "  ! location: cleared ([clear] in the file) for 25 users (p0." in out
    assert "Changes by field (3 groups): department 30 · location 25" in out
    assert "  28  department: → [bold]Sales (from 4 values)\n" in out
    assert "  25  location: Berlin → [clear]\n" in out
    assert out.index("Anomalies (2)") < out.index("Changes by field") < out.index("\nUpdate (30)")

    grouped = roster(server, tmp_path, "import", str(path), "--groups")
    assert "Changes by field (3 groups)" in grouped.stdout and "\nUpdate (" not in grouped.stdout
    assert "   2  department: → Ops (from 2 values)\n" in grouped.stdout

    code, plan = plan_json(server, tmp_path, str(path))
    assert code == 1 and plan["summary"]["update"] == 30
    assert [(a["check"], a["count"], len(a["keys"])) for a in plan["anomalies"]] == [
        ("value_share", 28, 28), ("clears", 25, 25)]
    first = plan["groups"][0]
    assert (first["field"], first["before"], first["befores"], first["after"], first["count"]) == (
        "department", None, 4, "[bold]Sales", 28)
    assert sorted(first["keys"]) == sorted(people[:28])
    assert sum(g["count"] for g in plan["groups"]) == 30 + 25
