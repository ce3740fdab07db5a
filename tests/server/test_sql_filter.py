"""SCIM filters compiled to SQL agree with the Python evaluator on a real SQLite database.

Set ``ROSTER_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@/db?host=/tmp/pg``; a fresh database is
created on that server) to run the same checks on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, func, insert, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER, ROSTER_USER
from roster_tui.server.filter_eval import matches
from roster_tui.server.filters import AttrPath, Compare, Node, Present, ValuePath, parse_filter
from roster_tui.server.storage import tables
from roster_tui.server.storage.documents import unique_keys
from roster_tui.server.storage.sql_filter import compile_filter
from tests.conftest import new_postgres_database

ENT, ROS = ENTERPRISE_USER, ROSTER_USER

# id, given, family, title, active, emails [(value, type, primary)], roles, employeeNumber, department,
# division, manager, hireDate, location, trainings [(course, status)]
ROWS: list[tuple[Any, ...]] = [
    ("u01", "John", "Smith", "Software Engineer", True, [("john.smith@acme.test", "work", True),
     ("jsmith@home.test", "home", False)], ["Training Admin"], "E1001", "Engineering", "R&D", None,
     "2019-03-01", "London", [("Security 101", "completed"), ("Privacy", "in_progress")]),
    ("u02", "Mary", "Smithson", "Senior Software Engineer", True, [("mary.smithson@acme.test", "work", True)],
     [], "E1002", "Engineering", "R&D", "u01", "2020-07-15", "London", [("Security 101", "completed")]),
    ("u03", "Patricia", "Smithers", "QA Analyst", False, [("p.smithers@acme.test", "work", True),
     ("pat@home.test", "home", False), ("pat@other.test", "other", False)], [], "E1003", "Engineering",
     "R&D", "u01", "2018-01-09", "Berlin", [("Security 101", "cancelled")]),
    ("u04", "Robert", "O'Brien", "Sales Manager", True, [("robert.obrien@acme.test", "work", True)],
     ["User Admin", "Reporting Admin"], "E1004", "Sales", "Commercial", None, "2015-11-30", "Dublin", []),
    ("u05", "Jennifer", "Müller", "Account Executive", True, [("jennifer.muller@acme.test", "work", True)],
     [], "E1005", "Sales", "Commercial", "u04", "2021-02-01", "Munich", [("Privacy", "not_started")]),
    ("u06", "Michael", "Østergaard", "Account Executive", True,
     [("michael.ostergaard@acme.test", "work", True)], [], "E1006", "Sales", "Commercial", "u04",
     "2022-05-05", "Copenhagen", []),
    ("u07", "Linda", "Nakamura", "Sales 100% Club", True, [("linda.nakamura@acme.test", "work", True),
     ("linda@nakamura.test", "home", False)], [], "E_1007", "Sales", "Commercial", "u04", "2017-08-21",
     "Tokyo", [("Security 101", "completed"), ("Anti-bribery", "completed")]),
    ("u08", "David", "Okafor", None, True, [("david_okafor@acme.test", "work", True)], [], "E11007",
     "Finance", None, None, None, None, []),
    ("u09", "Elizabeth", "Kowalski", "Controller", True, [("e.kowalski@acme.test", "work", True)],
     ["Account Admin"], "E1009", "Finance", "Corporate", None, "2012-04-02", "Warsaw",
     [("Security 101", "in_progress")]),
    ("u10", "William", "Lindqvist", "Accountant", False, [("w.lindqvist@acme.test", "work", True)], [],
     "E1010", "Finance", "Corporate", "u09", "2023-09-11", "Stockholm", []),
    ("u11", "Barbara", "Jensen", "Tour Guide", True, [("bjensen@example.com", "work", True),
     ("babs@jensen.org", "home", False)], [], None, "Tour Operations", None, "u09", "2019-03-01", "Oslo", []),
    ("u12", "Richard", "Dubois", "HR Partner", True, [("r.dubois@acme.test", "work", True)],
     ["User Admin"], "E1012", "People", "Corporate", None, "2016-06-06", "Paris", [("Privacy", "completed")]),
    ("u13", "Susan", "Rossi", "Recruiter", True, [("susan.rossi@acme.test", "work", True)], [], "E1013",
     "People", "Corporate", "u12", "2024-01-15", "Milan", [("Privacy", "not_started")]),
    ("u14", "Joseph", "Garcia", "Support Engineer", True, [("joseph.garcia@acme.test", "work", True)], [],
     "E1014", "Support", "Operations", "u15", "2020-10-10", "Madrid", []),
    ("u15", "Jessica", "Martinez", "Support Lead", True, [("jessica.martinez@acme.test", "work", True)],
     ["Content Admin"], "E1015", "Support", "Operations", None, "2014-02-28", "Madrid", []),
    ("u16", "Thomas", "Lee", "Support Engineer", True, [("thomas.lee@acme.test", "work", True)], [],
     "E1016", "Support", "Operations", "u15", "2021-12-24", "Seoul", [("Security 101", "completed")]),
    ("u17", "Sarah", "Smith", "Designer", True, [("sarah.smith@acme.test", "work", True)], [], "E1017",
     "Design", None, None, "2022-03-03", None, []),
    ("u18", "Charles", "Brown", "Designer", False, [("charles.brown@acme.test", "work", True)], [], "E1018",
     "Design", None, "u17", "2019-09-09", "London", []),
    ("u19", "Karen", "Wilson", "Engineering Manager", True, [("karen.wilson@acme.test", "work", True),
     ("kw@home.test", "home", False)], ["Training Admin", "User Admin"], "E1019", "Engineering", "R&D",
     None, "2011-01-01", "Boston", [("Security 101", "completed"), ("Leadership", "in_progress")]),
    ("u20", "Christopher", "Anderson", "Software Engineer", True,
     [("chris.anderson@acme.test", "work", True)], [], "E1020", "Engineering", "R&D", "u19",
     "2023-03-15", "Boston", [("Security 101", "not_started")]),
    ("u21", "Lisa", "Thomas", "Data Analyst", True, [("lisa.thomas@acme.test", "work", True)], [], "E1021",
     "Engineering", "Data", "u19", "2020-05-20", "Remote", []),
    ("u22", "Daniel", "Taylor", "Data Engineer", True, [("daniel.taylor@acme.test", "work", True)], [],
     "E1022", "Engineering", "Data", "u19", "2021-06-01", "Remote", []),
    ("u23", "Nancy", "Moore", "Office Manager", True, [("nancy.moore@acme.test", "work", True)], [],
     "E1023", "Facilities", None, None, "2010-10-10", "London", []),
    ("u24", "Matthew", "Jackson", "Intern", False, [("matt.jackson@acme.test", "work", True)], [], None,
     None, None, None, None, None, []),
    ("u25", "Betty", "White", "Legal Counsel", True, [("betty.white@acme.test", "work", True)],
     ["Reporting Admin"], "E1025", "Legal", "Corporate", "u09", "2013-07-07", "New York",
     [("Anti-bribery", "completed")]),
    ("u26", "Anthony", "Harris", "Paralegal", True, [("anthony.harris@acme.test", "work", True)], [],
     "E1026", "Legal", "Corporate", "u25", "2022-08-08", "New York", [("Anti-bribery", "in_progress")]),
    ("u27", "Sandra", "Clark", "Sales Engineer", True, [("sandra.clark@acme.test", "work", True)], [],
     "E1027", "Sales", "Commercial", "u04", "2018-12-12", "Dublin", []),
    ("u28", "Mark", "Lewis", "IT Admin", True, [("mark.lewis@acme.test", "work", True)], ["Account Admin"],
     "E1028", "IT", "Operations", None, "2016-01-31", "London", [("Security 101", "completed")]),
    ("u29", "Margaret", "Walker", "Software Engineer", True,
     [("margaret.walker@acme.test", "work", True)], [],
     "E1029", "Engineering", "R&D", "u19", "2024-02-29", "Remote", []),
    ("Ab30", "Donald", "Young", "Contractor", True, [("donald.young@vendor.test", "work", True)], [], None,
     "Engineering", None, "u19", "2024-06-01", None, []),
]


def resource(row: tuple[Any, ...], n: int) -> dict[str, Any]:
    (id_, given, family, title, active, emails, roles, emp, dept, div, manager, hire, location,
     trainings) = row
    doc: dict[str, Any] = {
        "schemas": [CORE_USER, ENT, ROS],
        "id": id_,
        "userName": emails[0][0].upper() if n % 5 == 0 else emails[0][0],
        "name": {"givenName": given, "familyName": family},
        "displayName": f"{given} {family}",
        "active": active,
        "emails": [{"value": v, "type": t, **({"primary": True} if p else {})} for v, t, p in emails],
        "meta": {"resourceType": "User", "created": f"2024-01-{n:02d}T09:00:00Z",
                 "lastModified": f"2024-{1 + n % 12:02d}-01T10:00:00Z", "version": f'W/"{n}"'},
    }
    if n % 3 == 0:
        doc["name"]["formatted"] = f"{given} {family}"
        doc["externalId"] = f"HR-{n:03d}"
    if title:
        doc["title"] = title
    if roles:
        doc["roles"] = [{"value": r, "display": r.split()[0], "primary": i == 0} for i, r in enumerate(roles)]
    ent = {k: v for k, v in (("employeeNumber", emp), ("department", dept), ("division", div)) if v}
    if manager:
        ent["manager"] = {"value": manager, "displayName": f"Manager of {given}"}
    if ent:
        doc[ENT] = ent
    ours: dict[str, Any] = {k: v for k, v in (("hireDate", hire), ("location", location)) if v}
    if trainings:
        ours["trainingAssignments"] = [{"course": c, "status": s} for c, s in trainings]
    if ours:
        doc[ROS] = ours
    return doc


RESOURCES = [resource(row, n) for n, row in enumerate(ROWS, 1)]
BY_ID = {r["id"]: r for r in RESOURCES}


def columns(r: dict[str, Any]) -> dict[str, Any]:
    ent, ours = r.get(ENT, {}), r.get(ROS, {})
    primary = next(e["value"] for e in r["emails"] if e.get("primary"))
    roles = [x["value"] for x in r.get("roles", [])]
    return {
        "id": r["id"], "version": 1, "created": r["meta"]["created"],
        "last_modified": r["meta"]["lastModified"],
        "user_name": r["userName"], "email": primary.lower(), "employee_number": ent.get("employeeNumber"),
        "external_id": r.get("externalId"), "given_name": r["name"]["givenName"],
        "family_name": r["name"]["familyName"], "display_name": r["displayName"], "title": r.get("title"),
        "department": ent.get("department"), "division": ent.get("division"),
        "location": ours.get("location"),
        "hire_date": ours.get("hireDate"), "manager_id": ent.get("manager", {}).get("value"),
        "active": r["active"], "roles": f"|{'|'.join(roles)}|" if roles else None,
        "doc": json.dumps({k: v for k, v in r.items() if k not in ("id", "meta")}),
    }


def row(r: dict[str, Any]) -> dict[str, Any]:
    """The ``users`` row of a resource, with the keys of its unique values, as the storage writes them."""
    found = columns(r)
    return {**found, **unique_keys(found)}


POSTGRES_URL = os.environ.get("ROSTER_TEST_POSTGRES_URL")


def make_engine(url: str) -> Engine:
    eng = create_engine(url)
    tables.metadata.drop_all(eng)
    tables.metadata.create_all(eng)
    with eng.begin() as conn:
        if eng.dialect.name == "sqlite":
            for statement in tables.SQLITE_FTS:
                conn.exec_driver_sql(statement)
        conn.execute(insert(tables.users), [row(r) for r in RESOURCES])
    return eng


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'roster.db'}")
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, sqlite_engine: Engine) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield sqlite_engine
        return
    if not POSTGRES_URL:
        pytest.skip("set ROSTER_TEST_POSTGRES_URL to test PostgreSQL")
    eng = make_engine(new_postgres_database())  # a database of its own: test workers run side by side
    yield eng
    eng.dispose()


def sql_ids(engine: Engine, node: Node) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(tables.users.c.id).where(compile_filter(node, engine.dialect.name))))


def _paths(node: Any, inside: bool = False) -> Iterator[tuple[AttrPath, bool]]:
    if isinstance(node, Compare | Present):
        yield node.path, inside
    elif isinstance(node, ValuePath):
        yield node.path, True
        yield from _paths(node.filter, True)
    else:
        for child in (getattr(node, "left", None), getattr(node, "right", None), getattr(node, "node", None)):
            if child is not None:
                yield from _paths(child, inside)


def expected_ids(node: Node) -> set[str]:
    """``matches()`` on every resource. Plain ``emails``/``emails.value`` filters only see the primary
    email in SQL (documented), so the oracle gets documents reduced to their primary email for them."""
    emails = [(p.sub in (None, "value") and not inside) for p, inside in _paths(node) if p.attr == "emails"]
    plain = any(emails)
    assert not plain or all(emails), "the oracle cannot mix primary-email and all-email filters"

    def view(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "emails": [e for e in r["emails"] if e.get("primary")]} if plain else r

    return {r["id"] for r in RESOURCES if matches(node, view(r))}


# ---- hand-written filters: exact ids, and SQL == matches() ----------------------------------------------

EXACT: dict[str, set[str]] = {
    'name.familyName sw "smi"': {"u01", "u02", "u03", "u17"},
    'name.familyName eq "SMITH"': {"u01", "u17"},
    'emails.value co "smith"': {"u01", "u02", "u03", "u17"},
    'emails co "HOME.test"': set(),  # only the primary email is searched
    'emails[value co "HOME.test"]': {"u01", "u03", "u19"},
    'emails[type eq "home" and value co "jensen"]': {"u11"},
    'emails.type eq "other"': {"u03"},
    'roles.value eq "user admin"': {"u04", "u12", "u19"},
    'roles pr and not (roles.value eq "User Admin")': {"u01", "u09", "u15", "u25", "u28"},
    'roles.value sw "Account"': {"u09", "u28"},
    'roles.value ew "admin" and roles.value co "report"': {"u04", "u25"},
    f'{ENT}:manager.value eq "U19"': {"u20", "u21", "u22", "u29", "Ab30"},
    f'{ENT}:manager pr and {ENT}:department eq "sales"': {"u05", "u06", "u07", "u27"},
    f'{ENT}:employeeNumber co "E_1"': {"u07"},
    'title co "100%"': {"u07"},
    'title co "%"': {"u07"},
    'emails.value co "david_"': {"u08"},
    f'{ROS}:location eq "london" and active eq false': {"u18"},
    f'{ROS}:hireDate lt "2013" or {ROS}:hireDate ge "2024-02-29"': {"u09", "u19", "u23", "u29", "Ab30"},
    f'{ROS}:trainingAssignments[status eq "completed" and course sw "anti"]': {"u07", "u25"},
    f'not ({ROS}:trainingAssignments pr)': {"u04", "u06", "u08", "u10", "u11", "u14", "u15", "u17", "u18",
                                             "u21", "u22", "u23", "u24", "u27", "u29", "Ab30"},
    'title pr and title ew "engineer" and not (title sw "software")': {"u02", "u14", "u16", "u22", "u27"},
    'id eq "ab30"': set(),  # id is caseExact
    'id eq "Ab30" or id sw "u0" and active eq false': {"Ab30", "u03"},
    'externalId sw "hr-"': set(),  # externalId is caseExact
    'externalId sw "HR-01"': {"u12", "u15", "u18"},
    'meta.created ge "2024-01-28"': {"u28", "u29", "Ab30"},
    'name.formatted co "lee"': set(),  # only every third user has a formatted name
    'name.formatted co "young"': {"Ab30"},
    'userName eq "JOHN.SMITH@ACME.TEST"': {"u01"},
    'displayName eq "jennifer müller"': {"u05"},
}

DIFFERENTIAL = [
    *EXACT,
    "title pr", "not (title pr)", 'title ne "Designer"', 'title gt "s"', 'title le "Data Engineer"',
    'name.givenName ew "a"', 'name.givenName sw ""', 'name.givenName co ""', "name pr",
    'displayName co "son "', 'displayName ew "smith"', 'userName ew "@acme.test"', 'userName lt "b"',
    "active eq true", "active ne true", 'emails[primary eq true and type eq "work"]',
    'emails[not (primary eq true)]', 'emails.primary eq false', "emails.type pr", 'emails.type ne "home"',
    "emails pr", "emails.value pr", 'emails.value sw "M"', 'emails.value gt "n"', 'emails.value ne "x"',
    "roles pr", "roles.value pr", 'roles.display eq "user"', 'roles.display gt "S"', 'roles.value lt "C"',
    'roles[display eq "Training" and primary eq true]', 'roles.value co ""', 'roles.value eq ""',
    'roles.value co "n|T"', 'roles eq "Account Admin"',
    f"{ENT}:division pr", f'{ENT}:division ne "corporate"', f'{ENT}:department gt "m"',
    f'{ENT}:manager[displayName co "of j"]', f'{ENT}:manager.displayName sw "manager"',
    f'{ENT}:manager eq "u04"', f"not ({ENT}:manager pr)", f'{ENT}:employeeNumber ew "7"',
    f'{ENT}:employeeNumber sw "e10"', f'{ROS}:hireDate sw "2019"', f'{ROS}:hireDate gt "2021-06-01"',
    f'{ROS}:location co "on"', f'{ROS}:trainingAssignments.status eq "completed"',
    f'{ROS}:trainingAssignments.course ne "security 101"', f'{ROS}:trainingAssignments.status pr',
    f'{ROS}:trainingAssignments[not (status eq "completed")]', 'meta.lastModified lt "2024-03"',
    'meta.created sw "2024-01-1"', 'externalId pr', 'not (externalId co "0")', 'id ge "u2"',
    '(title co "engineer" or title co "analyst") and not (active eq false) and '
    f'{ROS}:location ne "boston"',
]


@pytest.mark.parametrize(("text", "ids"), list(EXACT.items()))
def test_exact_results(engine: Engine, text: str, ids: set[str]) -> None:
    node = parse_filter(text)
    assert sql_ids(engine, node) == ids
    assert expected_ids(node) == ids


@pytest.mark.parametrize("text", DIFFERENTIAL)
def test_sql_agrees_with_matches(engine: Engine, text: str) -> None:
    node = parse_filter(text)
    assert sql_ids(engine, node) == expected_ids(node)


def test_filter_works_in_count_queries(engine: Engine) -> None:
    node = parse_filter('emails[type eq "home"] and name.familyName sw "s"')
    where = compile_filter(node, engine.dialect.name)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(tables.users).where(where)) == 2


# ---- random filters --------------------------------------------------------------------------------------

STRING_VALUES = ["smith", "SMI", "a", "e", "Jo", "acme", "work", "home", "Training Admin", "admin", "Sales",
                 "sales", "2020", "2021-06-01", "u0", "u19", "completed", "", "E1", "_", "%", "100%", "o'b",
                 "engineer", "London", "R&D", "security 101", "2024-01-2", "Ab30", "HR-0", "M", "z"]
STRING_ATTRS = ["userName", "name.givenName", "name.familyName", "name.formatted", "displayName", "title",
                f"{ENT}:employeeNumber", f"{ENT}:department", f"{ENT}:division", f"{ENT}:manager.value",
                f"{ENT}:manager", f"{ENT}:manager.displayName", f"{ROS}:hireDate", f"{ROS}:location",
                f"{ROS}:trainingAssignments.status", f"{ROS}:trainingAssignments.course", "meta.created",
                "meta.lastModified", "id", "externalId", "roles.value", "roles", "roles.display"]
OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
SUBS = {"emails": (["value", "type"], ["primary"]), "roles": (["value", "display"], ["primary"]),
        f"{ROS}:trainingAssignments": (["course", "status"], [])}


def comparisons(attrs: list[str], bools: list[str]) -> st.SearchStrategy[str]:
    strings = st.builds(lambda a, op, v: f"{a} {op} {json.dumps(v)}",
                        st.sampled_from(attrs), st.sampled_from(OPS), st.sampled_from(STRING_VALUES))
    present = st.builds(lambda a: f"{a} pr", st.sampled_from(attrs + bools))
    if not bools:
        return st.one_of(strings, present)
    booleans = st.builds(lambda a, op, v: f"{a} {op} {v}", st.sampled_from(bools),
                         st.sampled_from(["eq", "ne"]), st.sampled_from(["true", "false"]))
    return st.one_of(strings, present, booleans)


def combine(leaves: st.SearchStrategy[str], max_leaves: int) -> st.SearchStrategy[str]:
    return st.recursive(leaves, lambda kids: st.one_of(
        st.builds(lambda a, b: f"({a} and {b})", kids, kids),
        st.builds(lambda a, b: f"{a} or {b}", kids, kids),
        st.builds(lambda a: f"not ({a})", kids)), max_leaves=max_leaves)


@st.composite
def filters(draw: st.DrawFn) -> str:
    plain_email = draw(st.booleans())  # the oracle needs one email mode per filter (see expected_ids)
    leaves = [comparisons(STRING_ATTRS + (["emails", "emails.value"] if plain_email else ["emails.type"]),
                          ["active", "roles.primary"] + ([] if plain_email else ["emails.primary"]))]
    parents = [p for p in SUBS if not (plain_email and p == "emails")]
    for parent in parents:
        strings, bools = SUBS[parent]
        inner = combine(comparisons(strings, bools), 3)
        leaves.append(st.builds(lambda f, p=parent: f"{p}[{f}]", inner))
    return draw(combine(st.one_of(*leaves), 6))


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=filters())
def test_random_filters_agree_with_matches(engine: Engine, text: str) -> None:
    node = parse_filter(text)
    assert sql_ids(engine, node) == expected_ids(node), text


# ---- query plans -------------------------------------------------------------------------------------------

def plan(engine: Engine, text: str) -> str:
    stmt = select(tables.users.c.id).where(compile_filter(parse_filter(text)))
    sql = str(stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        return "\n".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_starts_with_uses_the_index(sqlite_engine: Engine) -> None:
    assert "USING INDEX ix_users_family_name (family_name>? AND family_name<?)" in plan(
        sqlite_engine, 'name.familyName sw "smi"')
    assert "USING INDEX ux_users_user_name" in plan(sqlite_engine, 'userName eq "X@acme.test"')
    assert "USING INDEX ix_users_hire_date" in plan(sqlite_engine, f'{ROS}:hireDate gt "2020"')


def test_contains_uses_the_trigram_index(sqlite_engine: Engine) -> None:
    fts = re.compile(r"SCAN users_fts VIRTUAL TABLE INDEX \d+:M")  # M: a MATCH answered by FTS5
    assert fts.search(plan(sqlite_engine, 'emails.value co "smith"'))
    assert fts.search(plan(sqlite_engine, 'name.givenName ew "ael"'))
    assert fts.search(plan(sqlite_engine, 'emails.value co "david_okafor"'))
    assert "COVERING INDEX ix_users_email" in plan(sqlite_engine, 'emails.value co "sm"')  # too short for FTS
