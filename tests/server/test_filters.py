"""The SCIM filter / path / attribute-list parser and the Python evaluator."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roster_tui.core.scim import ENTERPRISE_USER, ROSTER_USER
from roster_tui.server.errors import ScimError
from roster_tui.server.filter_eval import element_matches, matches
from roster_tui.server.filters import (
    MAX_COMPARISONS,
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    And,
    AttrPath,
    Compare,
    Node,
    Not,
    Or,
    PatchPath,
    Present,
    ValuePath,
    parse_attribute_list,
    parse_filter,
    parse_path,
)

USER_NAME = AttrPath(None, "userName")
TITLE = AttrPath(None, "title")
FAMILY = AttrPath(None, "name", "familyName")
EMAIL_TYPE = AttrPath(None, "emails", "type")
EMAIL_VALUE = AttrPath(None, "emails", "value")


def format_filter(node: Node, parent: AttrPath | None = None) -> str:
    """Render ``node`` back to filter text (fully parenthesised, canonical names): the parser's round trip."""
    match node:
        case Compare(path, op, value):
            return f"{path.sub if parent else path} {op} {json.dumps(value)}"
        case Present(path):
            return f"{path.sub if parent else path} pr"
        case And(left, right):
            return f"({format_filter(left, parent)} and {format_filter(right, parent)})"
        case Or(left, right):
            return f"({format_filter(left, parent)} or {format_filter(right, parent)})"
        case Not(inner):
            return f"not ({format_filter(inner, parent)})"
        case ValuePath(path, inner):
            return f"{path}[{format_filter(inner, path)}]"
    raise TypeError(node)


def cmp(path: AttrPath, op: str, value: object) -> Compare:
    return Compare(path, op, value)  # type: ignore[arg-type]


def error(text: str, parse=parse_filter) -> ScimError:
    with pytest.raises(ScimError) as info:
        parse(text)
    return info.value


# ---- operators, values, precedence ------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"])
def test_every_comparison_operator(op: str) -> None:
    assert parse_filter(f'userName {op} "bjensen"') == cmp(USER_NAME, op, "bjensen")


def test_present_and_case_insensitive_operators_and_names() -> None:
    assert parse_filter("title pr") == Present(TITLE)
    assert parse_filter('USERNAME EQ "x"') == cmp(USER_NAME, "eq", "x")
    assert parse_filter("NAME.FAMILYNAME Pr") == Present(FAMILY)
    assert parse_filter('title pr AND title pr Or NOT (title pr)') == Or(
        And(Present(TITLE), Present(TITLE)), Not(Present(TITLE)))


def test_values() -> None:
    assert parse_filter('userName eq "a\\"b\\\\c\\u00e9\\n"').value == 'a"b\\cé\n'  # type: ignore[union-attr]
    assert parse_filter("active eq true") == cmp(AttrPath(None, "active"), "eq", True)
    assert parse_filter("active ne FALSE") == cmp(AttrPath(None, "active"), "ne", False)
    assert parse_filter('userName eq "é ü 中"').value == "é ü 中"  # type: ignore[union-attr]
    assert parse_filter('userName eq ""').value == ""  # type: ignore[union-attr]


def test_precedence_not_and_or() -> None:
    a, b, c = (f'title eq "{x}"' for x in "abc")
    ca, cb, cc = (cmp(TITLE, "eq", x) for x in "abc")
    assert parse_filter(f"{a} or {b} and {c}") == Or(ca, And(cb, cc))
    assert parse_filter(f"{a} and {b} or {c}") == Or(And(ca, cb), cc)
    assert parse_filter(f"({a} or {b}) and {c}") == And(Or(ca, cb), cc)
    assert parse_filter(f"not ({a}) and {b}") == And(Not(ca), cb)
    assert parse_filter(f"not ({a} or {b})") == Not(Or(ca, cb))
    assert parse_filter(f"{a} or {b} or {c}") == Or(Or(ca, cb), cc)  # left-associative


def test_parens_and_whitespace() -> None:
    assert parse_filter('  ((title pr))  ') == Present(TITLE)
    assert parse_filter('(title pr)and(title eq "x")') == And(Present(TITLE), cmp(TITLE, "eq", "x"))
    assert parse_filter('not(title pr)') == Not(Present(TITLE))
    assert parse_filter('title\teq\n"x"') == cmp(TITLE, "eq", "x")


# ---- attribute paths --------------------------------------------------------------------------------------

def test_urn_paths() -> None:
    assert parse_filter(f'{ENTERPRISE_USER}:employeeNumber eq "E1"') == cmp(
        AttrPath(ENTERPRISE_USER, "employeeNumber"), "eq", "E1")
    assert parse_filter(f'{ENTERPRISE_USER}:manager.value eq "m"') == cmp(
        AttrPath(ENTERPRISE_USER, "manager", "value"), "eq", "m")
    assert parse_filter(f"{ENTERPRISE_USER.upper()}:DEPARTMENT pr") == Present(
        AttrPath(ENTERPRISE_USER, "department"))
    assert parse_filter(f"{ROSTER_USER}:hireDate gt \"2020-01-01\"") == cmp(
        AttrPath(ROSTER_USER, "hireDate"), "gt", "2020-01-01")
    # The core URN may prefix core attributes; it is normalised away.
    assert parse_filter('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "B"') == cmp(
        AttrPath(None, "name", "givenName"), "eq", "B")


def test_common_attributes() -> None:
    for text, path in [("id", AttrPath(None, "id")), ("EXTERNALID", AttrPath(None, "externalId")),
                       ("meta.created", AttrPath(None, "meta", "created")),
                       ("meta.lastmodified", AttrPath(None, "meta", "lastModified")),
                       ("meta.version", AttrPath(None, "meta", "version")),
                       ("meta.resourceType", AttrPath(None, "meta", "resourceType")),
                       ("meta.location", AttrPath(None, "meta", "location"))]:
        assert parse_filter(f'{text} eq "x"') == cmp(path, "eq", "x")


def test_value_paths() -> None:
    node = parse_filter('emails[type eq "work" and value co "@x.com"]')
    assert node == ValuePath(AttrPath(None, "emails"), And(cmp(EMAIL_TYPE, "eq", "work"),
                                                             cmp(EMAIL_VALUE, "co", "@x.com")))
    node = parse_filter(f'{ROSTER_USER}:trainingAssignments[not (STATUS eq "completed")] and title pr')
    assert node == And(ValuePath(AttrPath(ROSTER_USER, "trainingAssignments"),
                                 Not(cmp(AttrPath(ROSTER_USER, "trainingAssignments", "status"), "eq",
                                         "completed"))), Present(TITLE))
    assert parse_filter("emails[(type pr)]") == ValuePath(AttrPath(None, "emails"), Present(EMAIL_TYPE))


def test_str_and_format_round_trip() -> None:
    assert str(AttrPath(ENTERPRISE_USER, "manager", "value")) == f"{ENTERPRISE_USER}:manager.value"
    for text in ['emails[type eq "work" and not (value co "x\\"y")] or title pr',
                 f'{ENTERPRISE_USER}:manager.value eq "m" and active eq false', 'roles.value ge "A"']:
        node = parse_filter(text)
        assert parse_filter(format_filter(node)) == node


# ---- PATCH paths and attribute lists ----------------------------------------------------------------------

def test_parse_path() -> None:
    assert parse_path("name.givenName") == PatchPath(AttrPath(None, "name", "givenName"))
    assert parse_path("EMAILS") == PatchPath(AttrPath(None, "emails"))
    assert parse_path('emails[type eq "work"].value') == PatchPath(
        AttrPath(None, "emails", "value"), cmp(EMAIL_TYPE, "eq", "work"))
    assert parse_path('emails[type eq "work"]') == PatchPath(AttrPath(None, "emails"),
                                                             cmp(EMAIL_TYPE, "eq", "work"))
    assert parse_path(f"{ENTERPRISE_USER}:manager.value") == PatchPath(
        AttrPath(ENTERPRISE_USER, "manager", "value"))
    assert parse_path("externalId").attr == AttrPath(None, "externalId")


@pytest.mark.parametrize(("text", "kind", "message"), [
    ("favouriteColour", "invalidPath", "unknown attribute 'favouriteColour' at position 0"),
    ("name.middle", "invalidPath", "unknown sub-attribute 'middle'"),
    ('emails[type eq "work"].bogus', "invalidPath", "unknown sub-attribute 'bogus' of emails at position 23"),
    ('emails[type eq "work"]x', "invalidPath", "unexpected 'x'"),
    ('title[value eq "x"]', "invalidPath", "a value filter needs a complex attribute"),
    ('emails[type eq "work"', "invalidFilter", "expected ']'"),
    ("emails[bogus pr]", "invalidFilter", "unknown sub-attribute 'bogus' of emails at position 7"),
    ("name.givenName extra", "invalidPath", "unexpected 'extra'"),
    ("", "invalidPath", "path is empty"),
])
def test_parse_path_errors(text: str, kind: str, message: str) -> None:
    e = error(text, parse_path)
    assert (e.status, e.scim_type) == (400, kind)
    assert message in e.detail


def test_parse_attribute_list() -> None:
    text = f"userName, EMAILS ,{ENTERPRISE_USER}:employeeNumber,meta.created,,userName"
    assert parse_attribute_list(text) == [
        USER_NAME, AttrPath(None, "emails"), AttrPath(ENTERPRISE_USER, "employeeNumber"),
        AttrPath(None, "meta", "created")]
    assert parse_attribute_list("") == []
    e = error("userName,favouriteColour", parse_attribute_list)
    assert (e.scim_type, e.detail) == ("invalidValue", "unknown attribute 'favouriteColour' in attributes")
    assert error('emails[type eq "x"]', parse_attribute_list).scim_type == "invalidValue"


# ---- errors -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('favouriteColour eq "x"', "unknown attribute 'favouriteColour' at position 0"),
    ('foo eq "x"', "unknown attribute 'foo'"),
    ('name.middle eq "x"', "unknown sub-attribute 'middle' of 'name'"),
    ('department eq "x"', f"did you mean '{ENTERPRISE_USER}:department'"),
    ('urn:example:bogus:attr eq "x"', "unknown schema URN 'urn:example:bogus'"),
    ('name.givenName.x eq "x"', "invalid attribute path"),
    ('title foo "x"', "expected an operator (eq ne co sw ew pr gt ge lt le) after title, found 'foo' at "
                      "position 6"),
    ("title", "expected an operator"),
    ("title eq", "expected a value"),
    ('title eq "abc', "unterminated string at position 9"),
    ('title eq "a\\qb"', "bad string"),
    ("title eq x", "expected a value"),
    ("title eq null", "cannot compare title with null"),
    ("title eq 5", "title is a string"),
    ('active eq "true"', "active is a boolean"),
    ("active gt true", "operator 'gt' is not supported for boolean attribute active"),
    ('active co "t"', "boolean"),
    ('name eq "x"', "name is a complex attribute"),
    ('(title pr', "expected ')', found end of input at position 9"),
    ('title pr)', "unexpected ')' at position 8"),
    ("title pr title pr", "unexpected 'title pr'"),
    ("not title pr", "expected '(' after 'not' at position 4"),
    ("title pr and", "expected an attribute name, found end of input"),
    ("emails[type[x pr]]", "value filters cannot be nested"),
    ('emails.value[type eq "x"]', "a value filter needs a complex attribute"),
    ('title[type eq "x"]', "a value filter needs a complex attribute; title is not one"),
    ('emails[type eq "work"] value eq "x"', "unexpected 'value eq"),
    ('emails[type eq "work"].bogus eq "x"', "unknown sub-attribute 'bogus' of emails"),
    ('emails[type eq "work"].value', "expected an operator"),
    ('emails[type eq "work"', "expected ']'"),
    ("", "filter is empty"),
    ("   ", "filter is empty"),
    ("title eq -", "invalid number"),
    ('title eq "x" and', "expected an attribute name"),
])
def test_errors(text: str, message: str) -> None:
    e = error(text)
    assert (e.status, e.scim_type) == (400, "invalidFilter")
    assert message in e.detail, e.detail


def test_bounds() -> None:
    e = error("(" * 100_000)
    assert e.detail == f"filter is longer than {MAX_FILTER_LENGTH} characters"
    deep = "(" * MAX_DEPTH + "title pr" + ")" * MAX_DEPTH
    assert parse_filter(deep) == Present(TITLE)
    e = error("(" + deep + ")")
    assert e.detail.startswith(f"filter nests deeper than {MAX_DEPTH} levels")
    e = error("not (" * (MAX_DEPTH + 1) + "title pr" + ")" * (MAX_DEPTH + 1))
    assert "nests deeper" in e.detail
    e = error("((((((((((" * 400)  # 4,000 chars of parentheses: depth check, no recursion blow-up
    assert "nests deeper" in e.detail
    ok = " or ".join(["title pr"] * MAX_COMPARISONS)
    parse_filter(ok)
    e = error(ok + ' and userName eq "x"')
    assert "more than 64 comparisons" in e.detail
    e = error("emails[" + " or ".join(["type pr"] * (MAX_COMPARISONS + 1)) + "]")
    assert "more than 64 comparisons" in e.detail


def test_the_longest_filters_allowed_parse() -> None:
    """64 comparisons of 40 characters each, under the length limit, parse whole (how fast: benchmarks/limits.py)."""
    text = " and ".join(f'userName eq "{"x" * 40}"' for _ in range(MAX_COMPARISONS))
    assert len(text) < MAX_FILTER_LENGTH
    node, comparisons = parse_filter(text), 0
    while isinstance(node, And):
        assert node.right == Compare(AttrPath(None, "userName"), "eq", "x" * 40)
        node, comparisons = node.left, comparisons + 1
    assert comparisons + 1 == MAX_COMPARISONS


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='()[]" \\.:aenotrdqwsupEQ1-', max_size=60))
def test_garbage_never_crashes(text: str) -> None:
    try:
        parse_filter(text)
    except ScimError as e:
        assert e.scim_type == "invalidFilter"
        assert e.detail


# ---- matches() --------------------------------------------------------------------------------------------

BOB = {
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "bjensen",
    "userName": "Bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen"},
    "displayName": "Babs Jensen",
    "active": True,
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True},
               {"value": "babs@jensen.org", "type": "home"}],
    "roles": [{"value": "Training Admin", "primary": True}],
    ENTERPRISE_USER: {"employeeNumber": "701984", "department": "Tour Operations",
                      "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d",
                                  "displayName": "John Smith"}},
    ROSTER_USER: {"hireDate": "2019-03-01", "trainingAssignments": [
        {"course": "Security 101", "status": "completed"}, {"course": "Privacy", "status": "in_progress"}]},
    "meta": {"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": 'W/"3"',
             "resourceType": "User"},
}


@pytest.mark.parametrize(("text", "expected"), [
    ('userName eq "bjensen@EXAMPLE.com"', True),
    ('userName ne "bjensen@EXAMPLE.com"', False),
    ('userName co "JENSEN"', True),
    ('userName sw "bj"', True),
    ('userName ew ".COM"', True),
    ('userName gt "a"', True),
    ('userName lt "a"', False),
    ('userName ge "bjensen@example.com"', True),
    ('userName le "bjensen@example.com"', True),
    ('id eq "2819C223-7F76-453A-919D-413861904646"', False),  # id is caseExact
    ('id eq "2819c223-7f76-453a-919d-413861904646"', True),
    ('externalId eq "BJENSEN"', False),
    ('name.familyName eq "jensen"', True),
    ("title pr", False),
    ('title ne "x"', True),  # ne matches an absent attribute
    ('not (title eq "x")', True),
    ('title eq "x"', False),
    ("active eq true", True),
    ("active eq false", False),
    ('emails.value eq "babs@jensen.org"', True),  # any value
    ('emails eq "BABS@jensen.org"', True),  # a bare complex attribute compares its value
    ('emails.type eq "home" and emails.value co "example"', True),  # different values
    ('emails[type eq "home" and value co "example"]', False),  # the same value
    ('emails[type eq "home" and value co "jensen.org"]', True),
    ('emails[primary eq true]', True),
    ("emails[not (primary eq true)]", True),
    ('emails.type ne "work"', False),  # no value equals... one does
    ('roles.value eq "training admin"', True),
    ("roles pr", True),
    ("emails pr", True),
    ("name pr", True),
    ('roles[value sw "Training"]', True),
    (f'{ENTERPRISE_USER}:manager.value sw "26118915"', True),
    (f'{ENTERPRISE_USER}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"', True),
    (f'{ENTERPRISE_USER}:manager[displayName co "smith"]', True),
    (f"{ENTERPRISE_USER}:division pr", False),
    (f'{ROSTER_USER}:trainingAssignments[status eq "completed" and course sw "sec"]', True),
    (f'{ROSTER_USER}:trainingAssignments[status eq "completed" and course sw "priv"]', False),
    (f'{ROSTER_USER}:hireDate lt "2020"', True),
    ('meta.created lt "2011"', True),
    ('meta.lastModified gt "2011-05-13T04:42:34Z"', False),
    ('meta.version eq "W/\\"3\\""', True),
    ('meta.resourceType eq "user"', False),  # caseExact
    ('title pr or (active eq true and not (emails[type eq "other"]))', True),
])
def test_matches(text: str, expected: bool) -> None:
    assert matches(parse_filter(text), BOB) is expected


def test_matches_absent_and_odd_values() -> None:
    empty = {"userName": "x", "emails": [], "name": {"givenName": ""}, "roles": [{}], "title": ""}
    for text in ("emails pr", "name pr", "roles pr", "title pr", "displayName pr", 'emails.type ne "x"'):
        assert matches(parse_filter(text), empty) is (text == 'emails.type ne "x"'), text
    weird = {"userName": 5, "active": "yes", "emails": ["not-a-dict"], "name": "flat"}
    for text in ('userName eq "5"', "active eq true", 'emails.value eq "x"', 'name.givenName eq "x"',
                 'emails[value eq "x"]'):
        assert matches(parse_filter(text), weird) is False
    assert matches(parse_filter('USERNAME eq "x"'), {"UserName": "X"})  # keys are matched case-insensitively


def test_element_matches() -> None:
    node = parse_path('emails[type eq "work" and primary eq true].value').value_filter
    assert node is not None
    assert element_matches(node, {"type": "WORK", "primary": True, "value": "a"})
    assert not element_matches(node, {"type": "home", "primary": True})
    assert matches(ValuePath(AttrPath(None, "emails"), node), {"emails": [{"type": "work", "primary": True}]})
