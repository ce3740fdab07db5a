"""The importer against the roster API: lookups or crawl, apply by /Bulk or single requests, conflicts."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from roster_tui.config import ApiSettings
from roster_tui.connect import open_client
from roster_tui.core.key_scan import KeyScan
from roster_tui.core.models import SyncKey
from roster_tui.scim.client import RosterClient
from roster_tui.sync.changes import apply_plan
from roster_tui.sync.export import export_roster
from roster_tui.sync.import_file import prepare_file, write_errors_csv
from roster_tui.sync.importer import plan_import, scan_file
from roster_tui.sync.roster_index import crawl, eq_filters, fetch_index, prefer_crawl

HEADER = "Email,Employee ID,First Name,Last Name,Title,Manager,Hire Date,Status\n"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[RosterClient]:
    """A client of the embedded service over a fresh SQLite file."""
    async with open_client(ApiSettings(url=None, token=None, db=str(tmp_path / "r.db"))) as c:
        yield c


def write(tmp_path: Path, body: str, name: str = "in.csv") -> Path:
    p = tmp_path / name
    p.write_text(HEADER + body, encoding="utf-8")
    return p


async def plan_file(client: RosterClient, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    prepared = prepare_file(path, sync_key=kw.pop("sync_key", SyncKey.EMAIL))  # type: ignore[arg-type]
    return prepared, await plan_import(client, prepared, **kw)  # type: ignore[arg-type]


def chain(n: int) -> str:
    """n users, each managed by the one on the next line, the last one by nobody."""
    return "".join(f"c{i}@x.example,C{i},C,{i},T,{f'c{i + 1}@x.example' if i < n - 1 else ''},,\n"
                   for i in range(n))


async def test_plan_apply_replan_with_bulk_and_manager_chains(client: RosterClient, tmp_path: Path) -> None:
    path = write(tmp_path, chain(7))
    _, plan = await plan_file(client, path)
    assert plan.summary()["create"] == 7
    progress: list[tuple[int, int]] = []
    result = await apply_plan(client, plan, max_operations=3, on_progress=lambda d, t: progress.append((d, t)))
    assert result.counts() == {"ok": 7, "conflict": 0, "failed": 0}
    assert progress[-1] == (7, 7)
    index = await crawl(client)
    assert index.by_email["c0@x.example"].manager_id == index.by_email["c1@x.example"].id
    assert index.by_email["c6@x.example"].manager_id is None
    _, again = await plan_file(client, path)
    assert again.summary()["unchanged"] == 7 and again.changes == 0


async def test_apply_with_single_requests(client: RosterClient, tmp_path: Path) -> None:
    path = write(tmp_path, chain(5) + "solo@x.example,S1,Solo,S,,,2021-05-06,inactive\n")
    _, plan = await plan_file(client, path)
    result = await apply_plan(client, plan, use_bulk=False, concurrency=3)
    assert result.counts() == {"ok": 6, "conflict": 0, "failed": 0}
    index = await crawl(client)
    solo = index.by_email["solo@x.example"]
    assert (solo.active, solo.hire_date, solo.employee_id) == (False, "2021-05-06", "S1")
    assert index.by_email["c3@x.example"].manager_id == index.by_email["c4@x.example"].id


@pytest.mark.parametrize("use_bulk", [None, False])
async def test_conflicts_and_failures_are_per_row(client: RosterClient, tmp_path: Path,
                                                  use_bulk: bool | None) -> None:
    await apply_plan(client, (await plan_file(client, write(tmp_path, chain(3))))[1])
    path = write(tmp_path, "c0@x.example,,,,New0,,,\nc1@x.example,,,,New1,,,\nc2@x.example,,,,New2,,,\n"
                 "d@x.example,,D,D,,,,\n", "second.csv")
    _, plan = await plan_file(client, path)
    index = await crawl(client)
    await client.patch_user(index.by_email["c1@x.example"].id,
                            [{"op": "replace", "path": "title", "value": "changed meanwhile"}])
    await client.create_user({"userName": "d@x.example", "name": {"givenName": "D", "familyName": "D"}})
    result = await apply_plan(client, plan, use_bulk=use_bulk)
    by_key = {o.row.key: o for o in result.outcomes}
    assert by_key["c1@x.example"].status == "conflict"
    assert by_key["d@x.example"].status == "failed" and "409" in (by_key["d@x.example"].error or "")
    assert result.counts() == {"ok": 2, "conflict": 1, "failed": 1}
    titles = {u.email: u.title for u in (await crawl(client)).by_id.values()}
    assert titles["c1@x.example"] == "changed meanwhile" and titles["c2@x.example"] == "New2"


async def test_updates_patch_only_changed_fields_and_clear(client: RosterClient, tmp_path: Path) -> None:
    await apply_plan(client, (await plan_file(client, write(
        tmp_path, "a@x.example,E1,Ann,A,Dev,,2020-01-01,\nm@x.example,,M,M,,,,\n")))[1])
    path = write(tmp_path, "a@x.example,[clear],,,,m@x.example,,inactive\n", "2.csv")
    _, plan = await plan_file(client, path)
    row = plan.rows[0]
    assert row.action == "deactivate"
    assert row.changes == {"employee_id": ("E1", None), "manager": (None, "m@x.example"),
                           "status": ("active", "inactive")}
    assert (await apply_plan(client, plan)).counts()["ok"] == 1
    a = (await crawl(client)).by_email["a@x.example"]
    assert (a.employee_id, a.title, a.hire_date, a.active) == (None, "Dev", "2020-01-01", False)


async def test_cancel_stops_between_batches(client: RosterClient, tmp_path: Path) -> None:
    path = write(tmp_path, "".join(f"k{i}@x.example,,K,{i},,,,\n" for i in range(10)))
    _, plan = await plan_file(client, path)
    cancel = asyncio.Event()
    result = await apply_plan(client, plan, max_operations=4,
                              on_progress=lambda d, t: cancel.set() if d >= 4 else None, cancel_event=cancel)
    assert result.cancelled and result.counts()["ok"] == 4
    _, rest = await plan_file(client, path)
    assert rest.summary()["create"] == 6 and rest.summary()["unchanged"] == 4


async def test_lookups_for_a_small_file_crawl_for_a_large_one(client: RosterClient, tmp_path: Path) -> None:
    await apply_plan(client, (await plan_file(client, write(tmp_path, chain(60))))[1])
    scan = KeyScan(emails={"c1@x.example": 2, "C2@X.EXAMPLE".lower(): 3, "zz@x.example": 4},
                   employee_ids={"nope": 5}, manager_refs={"c59@x.example"})
    index = await fetch_index(client, scan)
    assert not index.complete
    assert set(index.by_email) >= {"c1@x.example", "c2@x.example", "c59@x.example", "c3@x.example"}
    assert len(index.by_id) == 4  # c3 was fetched by id as the manager of c2
    big = KeyScan(emails={f"c{i}@x.example": i for i in range(60)})
    everyone = {f"c{i}@x.example" for i in range(60)}
    cheaper = await fetch_index(client, big)
    assert cheaper.complete and set(cheaper.by_email) == everyone and len(cheaper.by_id) == 60
    full = await fetch_index(client, KeyScan(emails={"c1@x.example": 2}), full=True)  # one key, crawled anyway
    assert full.complete and set(full.by_email) == everyone and len(full.by_id) == 60
    assert full.by_email["c1@x.example"].manager_id == full.by_email["c2@x.example"].id


def test_cost_model_and_filter_batches() -> None:
    assert not prefer_crawl(100, 100_000)
    assert prefer_crawl(200_000, 100_000)
    assert prefer_crawl(10, 10)
    filters = eq_filters("userName", [f'u{i}"q@x.example' for i in range(120)])
    assert len(filters) == 3 and filters[0].count(" or ") == 49 and '\\"q' in filters[0]
    long = eq_filters("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                    [f"E{i:06d}" for i in range(50)])
    assert len(long) == 2 and all(len(f) <= 3500 for f in long)


async def test_export_then_import_plans_zero_changes(client: RosterClient, tmp_path: Path) -> None:
    body = chain(4) + "q@x.example,=E5,'=Eve,O'Neil,\"Sales, EMEA\",,1999-12-31,inactive\n"
    await apply_plan(client, (await plan_file(client, write(tmp_path, body)))[1])
    out = io.StringIO()
    assert await export_roster(client, out) == 5
    exported = tmp_path / "export.csv"
    exported.write_text(out.getvalue(), encoding="utf-8", newline="")
    assert "'=E5" in out.getvalue() and "'=Eve" in out.getvalue()
    _, plan = await plan_file(client, exported)
    assert plan.summary()["unchanged"] == 5 and plan.changes == 0 and plan.errors == 0
    _, by_id = await plan_file(client, exported, sync_key=SyncKey.EMPLOYEE_ID)
    assert by_id.changes == 0 and by_id.errors == 0
    inactive = io.StringIO()
    assert await export_roster(client, inactive, "inactive") == 1


async def test_errors_csv_has_the_original_row_and_an_error(client: RosterClient, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes("Email;First Name;Last Name;Notes\r\nbad@;A;B;\"x\r\ny\"\r\nok@x.example;O;K;n\r\n"
                     .encode("utf-8-sig"))
    prepared, plan = await plan_file(client, path)
    errors = {r.line: "; ".join(r.errors) for r in plan.rows if r.action == "error"}
    out = tmp_path / "errors.csv"
    assert write_errors_csv(prepared, errors, out) == 1  # type: ignore[arg-type]
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == ["Email", "First Name", "Last Name", "Notes", "error"]
    assert rows[1][:4] == ["bad@", "A", "B", "x\r\ny"] and "not a valid email" in rows[1][4]


async def test_against_the_real_service(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "".join(f"r{tmp_path.name[-6:]}{i}@x.example,,R,{i},,,,\n" for i in range(30)))
    async with RosterClient(server.url, server.token) as c:
        _, plan = await plan_file(c, path)
        assert plan.summary()["create"] == 30
        assert (await apply_plan(c, plan)).counts()["ok"] == 30
        _, again = await plan_file(c, path)
        assert again.summary()["unchanged"] == 30


async def test_same_plan_whether_the_file_is_kept_or_read_again(client: RosterClient, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from roster_tui.sync import import_file, importer

    path = write(tmp_path, chain(6) + "bad-email,B1,B,1,T,,2020-13-01,\n")
    kept, plan = await plan_file(client, path)
    assert kept.kept is not None and len(kept.kept) == 7
    monkeypatch.setattr(import_file, "KEEP_ROWS", 3)  # a "large" file: records are read again
    monkeypatch.setattr(importer, "CHECK_AHEAD", 2)  # and only 2 rows checked while the roster is fetched
    stages: list[tuple[str, int]] = []
    again, replan = await plan_file(client, path, progress=lambda stage, n: stages.append((stage, n)))
    assert again.kept is None
    assert [(r.line, r.action, r.key, dict(r.changes), r.errors) for r in replan.rows] == \
        [(r.line, r.action, r.key, dict(r.changes), r.errors) for r in plan.rows]
    assert replan.summary() == {**replan.summary(), "create": 6, "error": 1}
    assert ("planning", 7) in stages
    unscanned = prepare_file(path, scan=False)  # as `roster import` and the wizard do: plan_import scans
    assert unscanned.scan.rows == 0
    stages.clear()
    late = await plan_import(client, unscanned, progress=lambda stage, n: stages.append((stage, n)))
    assert unscanned.scanned and unscanned.scan.rows == 7 and ("scanning", 7) in stages
    assert [(r.line, r.action, dict(r.changes)) for r in late.rows] == \
        [(r.line, r.action, dict(r.changes)) for r in plan.rows]


async def test_dates_are_read_in_the_only_format_every_value_fits() -> None:
    prepared = prepare_file(FIXTURES / "excel_us_dates.csv")
    assert (prepared.date_formats, prepared.date_format_proposed) == (["%m/%d/%Y"], True)
    assert prepared.validator.date_format == "%m/%d/%Y"
    assert [(r.values.get("hire_date"), r.errors) for r in prepared.rows()] == [
        ("2022-11-16", []), ("2023-01-05", []), ("2024-02-29", [])]
    later = prepare_file(FIXTURES / "excel_us_dates.csv", scan=False)  # as `roster import` and the wizard do
    assert later.date_formats == [] and later.validator.date_format is None
    await scan_file(later)
    assert (later.date_formats, later.date_format_proposed, later.validator.date_format) == \
        (["%m/%d/%Y"], True, "%m/%d/%Y")


def test_dates_that_fit_two_formats_are_asked_and_a_declared_format_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "a@x.example,,A,A,,,1/5/2023,\nb@x.example,,B,B,,,3/4/2021,\n")
    prepared = prepare_file(path)
    assert (prepared.date_formats, prepared.date_format_proposed) == (["%m/%d/%Y", "%d/%m/%Y"], False)
    assert prepared.validator.date_format is None
    errors = [e for r in prepared.rows() for e in r.errors]
    assert len(errors) == 2 and all("declare the file's date format" in e for e in errors)
    declared = prepare_file(path, date_format="%d/%m/%Y")
    assert (declared.date_formats, declared.date_format_proposed) == ([], False)
    assert [r.values["hire_date"] for r in declared.rows()] == ["2023-05-01", "2021-04-03"]


def test_rows_carry_the_quote_problems_the_reader_found(tmp_path: Path) -> None:
    path = write(tmp_path, 'a@x.example,,A,A,"Manager\nb@x.example,,B,B,Dev,,,\nc@x.example,,C,C,"Dir",,,\n'
                           'd@x.example,,D,D,"Street 1\nFloor 2",,,\n')
    for kept in (True, False):
        prepared = prepare_file(path)
        if not kept:
            prepared.kept = None  # a large file: the second pass reads it again
        rows = list(prepared.rows())
        assert [(r.line, r.errors) for r in rows] == [
            (2, ["the quote opened here takes in lines 3-4, which look like rows of their own; close the quote"]),
            (5, [])]


def test_errors_csv_keeps_invalid_bytes_byte_for_byte(tmp_path: Path) -> None:
    prepared = prepare_file(FIXTURES / "mixed_utf8_cp1252.csv")
    assert prepared.csv.info.encoding_label == "UTF-8 (1 invalid byte)"
    errors = {r.line: "; ".join(r.errors) for r in prepared.rows() if r.errors}
    assert errors == {3: "First Name (column B): invalid UTF-8 byte \\xe9 in 'Ren\\xe9' (the file mixes encodings); "
                         "re-save it as CSV UTF-8"}
    out = tmp_path / "errors.csv"
    assert write_errors_csv(prepared, errors, out) == 1
    written = out.read_bytes().split(b"\r\n")
    assert written[1].startswith(b"rene.dubois@acme.example,Ren\xe9,Dubois,Directeur,")


def test_a_file_over_the_row_limit_is_refused_with_what_to_do(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from roster_tui.core.csv_reader import ImportFileError
    from roster_tui.sync import import_file

    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(f"u{n}@x.example,,U,{n},,,,\n" for n in range(500)), encoding="utf-8")
    monkeypatch.setattr(import_file, "MAX_ROWS", 100)
    with pytest.raises(ImportFileError, match=r"about 5\d\d rows, more than the 100 one import plans") as info:
        prepare_file(path)
    assert "Split it into files of at most 100 rows" in str(info.value)


def test_a_file_just_under_the_limit_is_counted_not_refused_on_an_estimate(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from roster_tui.core.csv_reader import ImportFileError
    from roster_tui.sync import import_file

    # short lines first, long ones after: the estimate from the first bytes is well above the true count
    path = tmp_path / "short-first.csv"
    rows = [f"u{n}@x.example,,{'U' if n < 2700 else 'W' * 120},{n},,,,\n" for n in range(3000)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    monkeypatch.setattr(import_file, "MAX_ROWS", 3000)
    assert 3000 < import_file.open_import_file(path).estimated_records() <= 6000  # what the estimate alone would refuse
    assert len(list(prepare_file(path).records())) == 3000
    path.write_text(HEADER + "".join(rows) + "u3001@x.example,,U,3001,,,,\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"about 3,001 rows, more than the 3,000"):
        prepare_file(path)
