"""Fonts read once per process and shared by every report drawn in it.

fpdf2's ``add_font`` parses the whole font file for each document (some 70 ms for DejaVu Sans)
and, when the document is written, subsets that parsed copy in place with fontTools, reading all
of its six thousand glyphs again. Here a :class:`Typeface` parses its file once (the *template*,
made by ``add_font`` itself); :meth:`Typeface.add_to` gives a document a copy of the template that
shares its metrics and character map, and :func:`write` hands each such copy, as the document is
written, a fontTools font to subset: the template's own for the first document (as fpdf2 would),
then one read from the typeface's *working font*. That is a subset of the file, kept in memory as
bytes, that holds every block of 32 code points the documents of this process have drawn (a few
hundred glyphs, so fontTools reads little); a document that draws a character from a new block
grows it once, from the file. A glyph is copied into the PDF unchanged, so what a page shows, and
the bytes of a document, do not depend on what the working font holds.

This is the one module that reaches into fpdf2's font objects (:func:`_document_copy`, the slots
of ``TTFFont``, :func:`current_font`); ``tests/report/test_typeface.py`` fails when fpdf2 changes them.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont
    from fpdf.output import OutputProducer

BLOCK_BITS = 5
"""A working font grows by blocks of 2**5 = 32 code points."""
FIRST_BLOCKS = frozenset(range(0x20 >> BLOCK_BITS, 0x80 >> BLOCK_BITS))
"""Printable ASCII, in a working font from the start."""
UNUSED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "kern")
"""Left out of a working font: FontForge's time stamp (which fontTools cannot subset) and the layout
tables, which fpdf2 drops from the PDF after fontTools has read them, and ``kern``, which no PDF
viewer reads (a PDF places every glyph itself)."""

SHARED_SLOTS = frozenset(
    {
        "type",
        "name",
        "sp",
        "ss",
        "up",
        "ut",
        "cw",
        "ttffile",
        "fontkey",
        "emphasis",
        "scale",
        "cmap",
        "glyph_ids",
        "unicode_range",
        "palette_index",
        "is_compressed",
        "is_cff",
        "is_cid_keyed",
        "is_symbol",
        "cff_ros",
        "collection_font_number",
        "_hbfont",
        "color_font",
    }
)
"""``TTFFont`` slots that hold what fpdf2 read from the file (shared by every document's copy)."""
DOCUMENT_SLOTS = frozenset({"i", "desc", "subset", "missing_glyphs", "biggest_size_pt", "ttfont"})
"""``TTFFont`` slots that belong to one document (set anew for each copy): fpdf2 numbers the font
descriptor ``desc`` and hangs the embedded font on it as it writes the document."""


@dataclass(frozen=True, slots=True)
class _Working:
    data: bytes
    order: tuple[str, ...]
    """Glyph names by glyph id (``data`` keeps none: its ``post`` table is format 3)."""
    glyphs: frozenset[str]
    """The glyphs asked for; ``data`` may hold more, the parts of composite glyphs."""
    blocks: frozenset[int]


@dataclass(frozen=True, slots=True)
class _Unembedded:
    """What a document's copy holds instead of a fontTools font until :func:`write` gives it one."""

    typeface: Typeface


class Typeface:
    """One font file (a family and style), parsed once; thread-safe."""

    def __init__(self, family: str, style: str, path: Path) -> None:
        self.family, self.style, self.path = family, style, path
        self._lock = threading.Lock()
        self._template: TTFFont | None = None
        self._fresh: Any = None  # the template's own fontTools font, until the first document embeds it
        self._code_points: dict[str, list[int]] = {}
        self._working: _Working | None = None

    def add_to(self, pdf: FPDF) -> None:
        """What ``pdf.add_font(family, style, path)`` does, without reading the file again."""
        _document_copy(pdf, self.template(), _Unembedded(self))

    def template(self) -> TTFFont:
        with self._lock:
            if self._template is None:
                from fpdf import FPDF

                scratch = FPDF()
                scratch.add_font(self.family, self.style, str(self.path))
                (template,) = cast(Any, scratch.fonts.values())
                # Our own character map: subsetting the fresh font below must not touch the one documents use.
                template.cmap = dict(template.cmap)
                self._fresh, template.ttfont = template.ttfont, None
                for cp, glyph in template.cmap.items():
                    self._code_points.setdefault(glyph, []).append(cp)
                self._template = template
            return self._template

    def source(self, glyphs: Collection[str]) -> Any:
        """A fontTools font that holds ``glyphs`` (names), for fpdf2 to subset and embed.

        The first document gets the template's own (parsed already); the next ones a copy of the
        working font, made from the file at the first of them that needs it.
        """
        self.template()
        with self._lock:
            fresh, self._fresh = self._fresh, None
            if fresh is not None:
                return _without_unused_tables(fresh)
            working = self._working
            if working is None or not working.glyphs.issuperset(glyphs):
                working = self._working = self._grow(glyphs, working)
        font = _fonttools().ttLib.TTFont(BytesIO(working.data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
        font.setGlyphOrder(list(working.order))
        return font

    def _grow(self, glyphs: Collection[str], before: _Working | None) -> _Working:
        """A working font with the blocks of ``glyphs`` added (under the lock)."""
        fonttools = _fonttools()
        assert self._template is not None
        blocks = set(FIRST_BLOCKS if before is None else before.blocks)
        blocks.update(cp >> BLOCK_BITS for glyph in glyphs for cp in self._code_points.get(glyph, ()))
        cmap: dict[int, str] = self._template.cmap
        keep = {glyph for cp, glyph in cmap.items() if cp >> BLOCK_BITS in blocks}
        keep.update(glyphs)
        if before is not None:
            keep.update(before.glyphs)
        font = _without_unused_tables(fonttools.ttLib.TTFont(self.path, lazy=True, recalcTimestamp=False))
        subsetter = fonttools.subset.Subsetter(fonttools.subset.Options(notdef_outline=True, recommended_glyphs=True))
        subsetter.populate(glyphs=keep, unicodes=[cp for cp, glyph in cmap.items() if glyph in keep])
        subsetter.subset(font)
        out = BytesIO()
        font.save(out)
        return _Working(out.getvalue(), tuple(font.getGlyphOrder()), frozenset(keep), frozenset(blocks))


def _fonttools() -> Any:
    """fontTools (no type hints), imported when a font is first embedded."""
    import fontTools.subset  # type: ignore[import-untyped]
    import fontTools.ttLib  # type: ignore[import-untyped]

    return fontTools


def _without_unused_tables(font: Any) -> Any:
    """``font`` (fontTools) without UNUSED_TABLES, its glyphs to be copied as they are (never re-encoded)."""
    for tag in UNUSED_TABLES:
        if tag in font:
            del font[tag]
    font.recalcBBoxes = False
    return font


_typefaces: dict[tuple[str, str, Path], Typeface] = {}
_typefaces_lock = threading.Lock()


def typeface(family: str, style: str, path: Path) -> Typeface:
    """The process's one :class:`Typeface` for this file, family and style."""
    with _typefaces_lock:
        return _typefaces.setdefault((family, style, path), Typeface(family, style, path))


def current_font(pdf: FPDF) -> tuple[str, dict[int, str]]:
    """fpdf2 internals: the current font's key (family in lower case, then style) and character map
    (code point to glyph name); ``("", {})`` before a font is set."""
    font: Any = pdf.current_font
    return ("", {}) if font is None else (font.fontkey, getattr(font, "cmap", {}))


def write(pdf: FPDF) -> bytes:
    """``pdf.output()``, with each :class:`Typeface` font embedded from its working font."""
    return bytes(pdf.output(output_producer_class=_producer()))


def _document_copy(pdf: FPDF, template: TTFFont, ttfont: _Unembedded) -> None:
    """fpdf2 internals: register a copy of ``template`` in ``pdf`` as ``add_font`` would register a new font.

    The copy shares the slots in SHARED_SLOTS and gets its own DOCUMENT_SLOTS; ``ttfont`` stands
    in for the fontTools font until :func:`write`.
    """
    from fpdf.fonts import SubsetMap

    font: Any = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.desc = copy.copy(template.desc)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.ttfont = ttfont
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # as add_font does for such a font


def _embed(pdf: FPDF) -> None:
    font: Any
    for font in pdf.fonts.values():
        pending = getattr(font, "ttfont", None)
        if isinstance(pending, _Unembedded):
            font.ttfont = pending.typeface.source(font.subset.get_all_glyph_names())


@cache
def _producer() -> type[OutputProducer]:
    """fpdf2's OutputProducer, which first gives every font its fontTools font (after the footers are drawn)."""
    from fpdf.output import OutputProducer

    class Producer(OutputProducer):
        def bufferize(self) -> bytearray:
            _embed(self.fpdf)
            return super().bufferize()

    return Producer
