"""Showing user text: what the text rule would refuse is made visible, never sent raw to a terminal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.text import TextRule, printable

NOTE = TextRule("a note", 10_000, multiline=True)
NAME = TextRule("a name", 10_000, "NFKC", collapse=True)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("Plan [/b]", "Plan [/b]"),
        ("读书 каждый день 🏃‍♀️ 👨\u200d👩\u200d👧", "读书 каждый день 🏃‍♀️ 👨\u200d👩\u200d👧"),
        ("x\x1b[2J\x1b[31mboom\x1b]0;TITLE\x07", "x\\x1b[2J\\x1b[31mboom\\x1b]0;TITLE\\x07"),
        ("a\tb\rc", "a\\tb\\rc"),
        ("ab\u202ecd", "ab\\u202ecd"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("\ufeffbom", "\\ufeffbom"),
        ("line\u2028sep", "line\\u2028sep"),
        ("lone \ud800", "lone \\ud800"),
        ("tag \U000e0041", "tag \\U000e0041"),
        ("non\ufffechar", "non\\ufffechar"),
        ("c1 \x9b31m", "c1 \\x9b31m"),
        ("two\nlines", "two\\nlines"),
    ],
)
def test_printable_escapes_what_the_rule_refuses(stored: str, shown: str) -> None:
    assert printable(stored) == shown


def test_multiline_text_keeps_its_line_breaks() -> None:
    assert printable("two\nlines\x1b", multiline=True) == "two\nlines\\x1b"


@given(st.text())
def test_shown_text_is_always_accepted_by_the_rule_and_clean_text_is_shown_as_is(text: str) -> None:
    for multiline, rule in ((True, NOTE), (False, NAME)):
        shown = printable(text, multiline=multiline)
        shown.encode("utf-8")  # no lone surrogate reaches the terminal
        try:
            rule.clean(shown)
        except DomainError as exc:
            raise AssertionError(f"{shown!r}: {exc}") from None
        try:
            cleaned = rule.clean(text)
        except DomainError:
            continue
        assert printable(cleaned, multiline=multiline) == cleaned
