"""User text: one rule for every name, description, note, tag and unit, wherever it comes from.

The client's commands and screens, every import format and the server (REST and sync pushes)
clean text with the same :class:`TextRule`, so a replica never holds text another one refuses:

* valid Unicode (a lone surrogate such as ``\\ud800`` cannot be stored as UTF-8);
* normalised (NFC for prose, NFKC for short labels that are compared and matched);
* no control characters (a multi-line field keeps ``\\n``), no format characters other than
  the zero-width joiner and non-joiner (emoji sequences and several scripts need them), no line
  or paragraph separators and no Unicode noncharacters;
* bounded length, counted in characters after normalising.

Text is data: it is printed literally everywhere, never interpreted as markup. Text stored before
this rule (or by a replica that did not apply it) is shown through :func:`printable`, which makes
every character the rule refuses visible instead of sending it to a terminal. Names are compared
by :func:`name_key`, so names that look the same are one name.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal, NamedTuple

from sync_protocol.domain.errors import DomainError

_JOINERS = frozenset("\u200c\u200d")
_ASCII_CONTROL = r"[\x00-\x1f\x7f]"
_ASCII_CONTROL_BUT_NEWLINE = r"[\x00-\x09\x0b-\x1f\x7f]"


def _forbidden(ch: str, multiline: bool) -> bool:
    """Whether one non-ASCII (or control) character is refused."""
    if ch == "\n":
        return not multiline
    if ch in _JOINERS:
        return False
    code = ord(ch)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return True
    import unicodedata

    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")


class TextRule(NamedTuple):
    """How one kind of user text is cleaned and checked."""

    what: str
    """How messages name it: ``a habit name``."""
    max_length: int
    form: Literal["NFC", "NFKC"] = "NFC"
    multiline: bool = False
    """Keeps line breaks (``\\r\\n`` and ``\\r`` become ``\\n``); elsewhere a line break is refused."""
    collapse: bool = False
    """Every run of whitespace (tabs and line breaks too) becomes one space."""
    required: bool = False
    lower: bool = False

    def clean(self, value: object) -> str:
        """The text as stored: normalised and trimmed; DomainError if it breaks the rule.

        Tabs become spaces and ``\r\n`` / ``\r`` become ``\n`` first; other control
        characters are refused, never silently turned into spaces.
        """
        if not isinstance(value, str):
            raise DomainError(f"{self.what} must be text")
        if not valid_unicode(value):
            raise DomainError(f"{self.what} is not valid Unicode text")
        if value.isascii():
            text = value
        else:
            import unicodedata

            text = unicodedata.normalize(self.form, value)
        if "\r" in text or "\t" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        if text and self._has_forbidden(text):
            raise DomainError(f"{self.what} cannot contain control or invisible formatting characters")
        text = " ".join(text.split()) if self.collapse else text.strip()
        if self.lower:
            text = text.lower()
        if not text and self.required:
            raise DomainError(f"{self.what} cannot be empty")
        if len(text) > self.max_length:
            raise DomainError(f"{self.what} can have at most {self.max_length} characters")
        return text

    def _has_forbidden(self, text: str) -> bool:
        lines = self.multiline or self.collapse  # a line break folds into a space, or stays
        if text.isascii():
            return re.search(_ASCII_CONTROL_BUT_NEWLINE if lines else _ASCII_CONTROL, text) is not None
        return any(_forbidden(ch, lines) for ch in text if ch > "\x7e" or ch < " ")


def printable(text: str, *, multiline: bool = False) -> str:
    """``text`` as it is safe to show: every character the rule refuses is written as its escape.

    ``ESC [ 2 J`` becomes ``\\x1b[2J``, a right-to-left override ``\\u202e``, a lone surrogate
    ``\\ud800``, so text stored before the rule can neither move the cursor, recolour or clear the
    terminal, nor reorder what follows it. A line break is kept when ``multiline`` (a note, a
    description), else shown as ``\\n``. Text the rule accepts is returned unchanged; what this
    returns, the rule accepts. The one display function of the client's command line and app.
    """
    if text.isprintable():  # the common case: letters, digits, punctuation, spaces
        return text
    return "".join(ascii(ch)[1:-1] if _forbidden(ch, multiline) else ch for ch in text)


def name_key(name: str) -> str:
    """What two names must not share: ``READ``, ``ＲＥＡＤ`` and ``read`` are one name.

    Compatibility-normalised and case-folded (Unicode's NFKC_Casefold, near enough), so a name
    stored before names were normalised still blocks and finds its look-alikes.
    """
    import unicodedata

    if name.isascii():
        return " ".join(name.split()).casefold()
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def valid_unicode(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and arrays in an event's payload (the payload object is level 1)."""


def check_storable(payload: Any) -> None:
    """Raise DomainError unless ``payload`` is JSON that every store can keep and hand back as it came.

    Any event is checked with this, also of kinds this version does not know: every text in it
    (keys too) must be valid Unicode without NUL (which PostgreSQL text cannot hold), every
    number finite (NaN and Infinity are not JSON), and objects and arrays nested at most
    :data:`MAX_JSON_DEPTH` deep (JSON libraries stop at a depth of their own).
    """
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or not valid_unicode(item):
                raise DomainError("the payload holds text that is not valid Unicode, or a NUL character")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise DomainError(f"the payload is nested more than {MAX_JSON_DEPTH} levels deep")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise DomainError("the payload holds a number that is not finite (NaN or Infinity)")
        elif item is not None and not isinstance(item, int):
            raise DomainError("the payload is not JSON")
