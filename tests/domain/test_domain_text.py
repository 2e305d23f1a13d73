"""One rule for user text: valid Unicode, normalised, no control or format characters, bounded."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_protocol.domain.checkin import NOTE
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.events import check_payload
from sync_protocol.domain.fields import DESCRIPTION, FIELDS, HABIT_NAME, UNIT
from sync_protocol.domain.text import check_storable

HID = "0190a0b0-0000-7000-8000-000000000001"
BAD = {
    "NUL": "a\x00b",
    "bell": "a\x07b",
    "escape sequence": "\x1b[31mred",
    "lone surrogate": "a\ud800b",
    "right-to-left override": "abc\u202edef",
    "byte order mark": "\ufeffabc",
    "line separator": "a\u2028b",
    "noncharacter": "a\uffffb",
    "delete": "a\x7fb",
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("rule", [HABIT_NAME, DESCRIPTION, UNIT, NOTE], ids=lambda r: r.what)
def test_bad_characters_are_refused_by_every_text_rule(rule: Any, text: str) -> None:
    with pytest.raises(DomainError, match=rule.what):
        rule.clean(text)


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("habit.create", lambda t: {"habit_id": HID, "name": t}),
        ("habit.update", lambda t: {"habit_id": HID, "description": t}),
        ("habit.update", lambda t: {"habit_id": HID, "unit": t}),
        ("habit.update", lambda t: {"habit_id": HID, "tags": ["ok", t]}),
        ("checkin.set", lambda t: {"habit_id": HID, "date": "2024-03-01", "value": 1, "note": t}),
    ],
)
def test_bad_text_makes_an_event_malformed(kind: str, payload: Any, text: str) -> None:
    with pytest.raises(DomainError):
        check_payload(kind, payload(text))


@pytest.mark.parametrize(
    "payload",
    [
        {"habit_id": HID, "x": "a\x00b"},
        {"habit_id": HID, "x": ["ok", {"deep": "a\ud800"}]},
        {"habit_id": HID, "a\x00key": 1},
        {"x": float("nan")},
        {"x": float("inf")},
    ],
)
def test_unknown_kinds_must_still_be_storable(payload: dict[str, Any]) -> None:
    # A newer client's kind is passed on as it is, text rules and all, as long as every store can hold it.
    check_payload("note.attach", {"anything": [1, {"x": None}], "text": "ünïcode ✓ \u202e"})
    with pytest.raises(DomainError):
        check_payload("note.attach", payload)


def test_storable_accepts_plain_json() -> None:
    check_storable({"a": [1, 2.5, None, True, {"b": "ü ✓ 👨‍👩‍👧"}]})


def test_text_is_normalised_and_trimmed() -> None:
    assert HABIT_NAME.clean("  Read \t a   book ") == "Read a book"
    assert HABIT_NAME.clean("ＲＥＡＤ") == "READ"  # NFKC: full-width letters
    assert HABIT_NAME.clean("Cafe\u0301") == "Café"  # one code point, so names compare equal
    assert NOTE.clean("Cafe\u0301") == "Café"  # NFC keeps prose as typed, composed
    assert NOTE.clean("ﬁne") == "ﬁne"  # NFC keeps the ligature
    assert DESCRIPTION.clean(" line one\r\nline two ") == "line one\nline two"


def test_emoji_sequences_and_scripts_that_need_joiners_are_kept() -> None:
    family = "👨\u200d👩\u200d👧 time"
    assert HABIT_NAME.clean(family) == family
    assert NOTE.clean("می\u200cخواهم") == "می\u200cخواهم"  # Persian with a zero-width non-joiner


def test_line_breaks_only_where_text_has_lines() -> None:
    with pytest.raises(DomainError):
        UNIT.clean("a\nb" + "\x0b")
    assert HABIT_NAME.clean("a\nb") == "a b"  # a name is one line: whitespace folds
    assert NOTE.clean("a\nb") == "a\nb"


def test_length_counts_characters_after_normalising() -> None:
    assert HABIT_NAME.clean("x" * 80) == "x" * 80
    with pytest.raises(DomainError, match="at most 80"):
        HABIT_NAME.clean("x" * 81)
    assert HABIT_NAME.clean("ﬁ" * 40) == "fi" * 40  # NFKC: 40 ligatures are 80 letters
    with pytest.raises(DomainError, match="at most 80"):
        HABIT_NAME.clean("ﬁ" * 41)


def test_tags_are_lower_case_labels_without_commas() -> None:
    assert FIELDS["tags"].parse(" Health, MORNING ,, health") == ["health", "morning"]
    with pytest.raises(DomainError, match="bad tag"):
        FIELDS["tags"].check(["a,b"])


@given(st.text(max_size=60))
def test_clean_text_is_stable_and_accepted_again(text: str) -> None:
    for rule in (HABIT_NAME, DESCRIPTION, UNIT, NOTE):
        try:
            once = rule.clean(text)
        except DomainError:
            continue
        assert rule.clean(once) == once
        check_storable({"text": once})
