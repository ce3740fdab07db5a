"""``roster import`` with the dates a spreadsheet writes: the one format that fits is used and said, two are asked
about, and a saved mapping keeps the format."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from tests.cli.test_import import plan_json, roster, tag, write
from tests.conftest import RunningServer


def test_the_only_format_every_date_fits_is_used_and_said(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    path = write(tmp_path, "Email,First Name,Last Name,Hire Date\n"
                           f"a{t}@x.example,A,One,11/16/2022\n"
                           f"b{t}@x.example,B,Two,03/04/2021\n"
                           f"c{t}@x.example,C,Three,2020-01-31\n")
    result = roster(server, tmp_path, "import", str(path), "--json", "--save-mapping", "us-dates")
    assert "read as %m/%d/%Y, the only format every one of them fits" in result.stderr
    plan = json.loads(result.stdout)
    hired = {r["key"][0]: r["changes"]["hire_date"][1] for r in plan["rows"]}
    assert hired == {"a": "2022-11-16", "b": "2021-03-04", "c": "2020-01-31"}
    saved = tomllib.loads((tmp_path / "config" / "mappings" / "us-dates.toml").read_text())
    assert saved["date_format"] == "%m/%d/%Y"


def test_dates_that_fit_two_formats_are_errors_until_one_is_chosen(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    path = write(tmp_path, f"Email,First Name,Last Name,Hire Date\na{t}@x.example,A,One,03/04/2021\n"
                           f"b{t}@x.example,B,Two,05/06/2021\n")
    result = roster(server, tmp_path, "import", str(path))
    assert result.returncode == 1  # those rows are errors until a format is chosen; the others go on
    assert "%m/%d/%Y: 03/04/2021 is 2021-03-04" in result.stderr
    assert "%d/%m/%Y: 03/04/2021 is 2021-04-03" in result.stderr and "--date-format" in result.stderr
    _code, plan = plan_json(server, tmp_path, str(path), "--date-format", "%d/%m/%Y")
    assert {r["changes"]["hire_date"][1] for r in plan["rows"]} == {"2021-04-03", "2021-06-05"}
