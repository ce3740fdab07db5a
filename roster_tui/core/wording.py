"""How counts are said in messages: ``1 field``, ``2 fields``, ``1,204 rows``."""

from __future__ import annotations


def plural(count: int | None, noun: str, plural_noun: str | None = None) -> str:
    """``count`` with ``noun`` in the singular or the plural (``noun + "s"`` unless given); a count not known
    (None) is ``— users``."""
    many = plural_noun or noun + "s"
    if count is None:
        return f"— {many}"
    return f"{count:,} {noun if count == 1 else many}"


#: The kinds of plan rows named by nouns (``1 error``, ``2 warnings``); the others are actions (``2 create``).
NOUN_KINDS = frozenset({"error", "warning"})


def kind_count(count: int, kind: str) -> str:
    """A plan's count of one kind of row: ``3 create``, ``0 unchanged``, ``1 error``, ``6 errors``."""
    return plural(count, kind) if kind in NOUN_KINDS else f"{count:,} {kind}"


#: Control characters as the symbols that stand for them; bytes that are not text (invalid bytes of a file,
#: read as lone surrogates) as ``\xNN``.
_VISIBLE: dict[int, str] = {
    **{code: chr(0x2400 + code) for code in range(32)}, 0x09: "⇥", 0x0A: "⏎", 0x0D: "␍", 0x7F: "␡",
    **{0xDC80 + b: f"\\x{0x80 + b:02x}" for b in range(128)},
}


def one_line(text: str) -> str:
    """``text`` for one line of a screen: line breaks, tabs and other control characters shown as symbols (a
    terminal would act on them), invalid bytes as ``\\xNN``."""
    if text.isprintable():
        return text
    return text.translate(_VISIBLE)
