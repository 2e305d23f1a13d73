"""Which characters the report can draw, and what it draws for the rest.

Text is set in DejaVu Sans (shipped in ``fonts/``: Latin, Greek, Cyrillic, symbols). Chinese
and Japanese characters fall back to Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package
(SIL Open Font License 1.1), which is loaded only when a report holds a character DejaVu lacks.
A character that no font has (an emoji, Hangul) is drawn as one replacement character ``�``
(a whole emoji sequence, with its joiners and modifiers, as one), so fpdf2 never has a glyph
to warn about and a reader sees where something was left out.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync_protocol.report.typeface import typeface

if TYPE_CHECKING:
    from fpdf import FPDF

REPLACEMENT = "\ufffd"
FALLBACK_FAMILY = "NotoSansSC"
FALLBACK_PACKAGE = "pylopdf_fonts_zh_cn"
FALLBACK_FILE = "NotoSansSC-Regular.otf"

_ZWJ = 0x200D
_REGIONAL = range(0x1F1E6, 0x1F200)


def _continues(cp: int) -> bool:
    """Code points that only modify the character before them (variation selectors, skin tones, tags, keycaps)."""
    return (
        0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
        or cp == 0x20E3
        or 0xE0100 <= cp <= 0xE01EF
    )


@lru_cache(maxsize=1)
def fallback_font() -> Path | None:
    """Noto Sans SC's file, or None when its package is not installed (then CJK becomes ``�``)."""
    try:
        path = Path(str(files(FALLBACK_PACKAGE) / FALLBACK_FILE))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


class Glyphs:
    """The coverage of one document's fonts; :meth:`drawable` is called on every string drawn or measured."""

    def __init__(self, pdf: FPDF) -> None:
        self._pdf = pdf
        self._fallback: dict[int, Any] | None = None
        self._fallback_tried = False

    def drawable(self, text: str) -> str:
        """``text`` with every character no font can draw replaced (one ``�`` per character or emoji)."""
        if text.isascii():
            return text
        font: Any = self._pdf.current_font  # always a TrueType font here: the report sets no core font
        current: dict[int, Any] = font.cmap
        if all(ord(ch) in current or ch < " " for ch in text):
            return text
        fallback = self._load_fallback()
        out: list[str] = []
        replaced = joined = False
        regional = 0
        for ch in text:
            cp = ord(ch)
            if replaced:
                # The rest of the emoji (or flag) just replaced: its joiners and the characters they join,
                # its modifiers, a flag's second half.
                if joined or (cp in _REGIONAL and regional == 1):
                    joined, regional = False, 0
                    continue
                if cp == _ZWJ or _continues(cp):
                    joined = cp == _ZWJ
                    continue
            covered = ch < " " or cp in current or cp in fallback
            if not covered and (cp == _ZWJ or _continues(cp)):
                continue  # an invisible modifier of the character before it: nothing to draw
            if covered:
                out.append(ch)
                replaced, regional = False, 0
            else:
                out.append(REPLACEMENT)
                replaced, regional = True, (1 if cp in _REGIONAL else 0)
        return "".join(out)

    def _load_fallback(self) -> dict[int, Any]:
        """Add Noto Sans SC to the document as the fallback font, the first time it may be needed."""
        if not self._fallback_tried:
            self._fallback_tried = True
            path = fallback_font()
            if path is not None:
                typeface(FALLBACK_FAMILY, "", path).add_to(self._pdf)
                self._pdf.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)
                added: Any = self._pdf.fonts[FALLBACK_FAMILY.lower()]
                self._fallback = added.cmap
        return self._fallback or {}
