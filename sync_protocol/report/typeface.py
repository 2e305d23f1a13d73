"""Fonts read once per process and shared by every report drawn in it, and the few operators written
faster than fpdf2 writes them.

fpdf2's ``add_font`` parses the whole font file for each document (some 70 ms for DejaVu Sans) and,
when the document is written, subsets that parsed copy with fontTools and saves the subset (some
12 ms a report for its two fonts). Here a :class:`Typeface` parses its file once (the *template*, made
by ``add_font`` itself); :meth:`Typeface.add_to` gives a document a copy of the template that shares
its metrics and character map.

What a document embeds of a TrueType font, its *program* (the subset font file), is made once per
glyph set and kept (:meth:`Typeface.program`, the last MAX_PROGRAMS of them). So that reports share
programs, a document's glyphs are padded with the typeface's *base* characters (printable ASCII and
the symbols the report writes itself): every report whose text stays within them embeds one and the
same program; one with other characters (accents, Greek, CJK) gets a program of its own. As the
document is written, :func:`write` hands fpdf2 a *prebuilt* stand-in for the fontTools font
(:func:`_prebuilt_class`): it has the program's glyph list and no tables, so fpdf2 subsets it for
nothing, takes its glyph ids from the program and saves nothing; :func:`_fill_programs` then puts
the program, compressed once, in the font file stream. fpdf2 still writes all that depends on the
document's own glyphs (their codes, in the order first drawn, widths, ToUnicode, CIDToGIDMap).

A program is made with fontTools from the typeface's *working font*: a subset of the file, kept in
memory as bytes, that holds every block of 32 code points the documents of this process have drawn (a
few hundred glyphs, so fontTools reads little), grown once from the file when a document draws a
character from a new block; the first program is made from the template's own fontTools font. A CFF
font (the CJK fallback) is still subset by fpdf2, from the working font. A glyph is copied into the
PDF unchanged, and the glyph ids of a program depend only on its glyph set, so what a page shows, and
the bytes of a document, do not depend on what the process drew before it.

:func:`show_text` and :func:`draw_rects` write what ``FPDF.text`` and ``FPDF.rect`` write, at a
fraction of the cost (a report draws hundreds of labels and day squares).

This is the one module that reaches into fpdf2's internals: its font objects (:func:`_document_copy`,
the slots of ``TTFFont``, :func:`current_font`), how it embeds a font (the prebuilt stand-in,
:func:`_fill_programs`) and the operators it writes (:func:`show_text`, :func:`draw_rects`);
``tests/report/test_typeface.py`` fails when fpdf2 changes them.
"""

from __future__ import annotations

import copy
import threading
import zlib
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.drawing_primitives import DeviceGray, DeviceRGB
    from fpdf.enums import RenderStyle
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
UNEMBEDDED_TABLES = ("MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR")
"""Left out of a program too, as fpdf2 leaves them out of the subsets it makes (``OutputProducer._add_fonts``)."""
MAX_PROGRAMS = 32
"""How many programs (glyph sets) a typeface keeps: one serves every report within its base characters."""

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
class _Program:
    """A font program: the subset font file, made once for a glyph set."""

    data: bytes
    ids: Mapping[str, int]
    """Glyph ids by glyph name (``data`` keeps no names: its ``post`` table is format 3)."""
    deflated: bytes
    """``data`` compressed as fpdf2 compresses a stream (zlib, its default level)."""


@dataclass(frozen=True, slots=True)
class _Unembedded:
    """What a document's copy holds instead of a fontTools font until :func:`write` gives it one."""

    typeface: Typeface
    operands: dict[str, str] = field(default_factory=dict)
    """:func:`text_operand` of the texts drawn in this font in this document ("" when it cannot)."""


class Typeface:
    """One font file (a family and style), parsed once; thread-safe.

    ``base``: the characters whose glyphs every program of a TrueType font holds (see the module's text).
    """

    def __init__(self, family: str, style: str, path: Path, base: str = "") -> None:
        self.family, self.style, self.path, self.base = family, style, path, base
        self._lock = threading.Lock()
        self._template: TTFFont | None = None
        self._fresh: Any = None  # the template's own fontTools font, until the first document embeds it
        self._code_points: dict[str, list[int]] = {}
        self._working: _Working | None = None
        self._base_glyphs: frozenset[str] = frozenset()
        self._programs: OrderedDict[frozenset[str], _Program] = OrderedDict()

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
                self._base_glyphs = frozenset(template.cmap[ord(ch)] for ch in self.base if ord(ch) in template.cmap)
                self._template = template
            return self._template

    def embedding(self, glyphs: Collection[str]) -> Any:
        """What fpdf2 subsets and embeds for a document that draws ``glyphs`` (names): the prebuilt stand-in
        of their program, or for a CFF font a fontTools font that holds them (:meth:`source`)."""
        if not self.template().is_cff:
            program = self.program(glyphs)
            if ".notdef" in program.ids:  # what fontTools adds to a glyph list without a glyf table
                return _prebuilt_class()(program)
        return self.source(glyphs)

    def program(self, glyphs: Collection[str]) -> _Program:
        """The program of ``glyphs`` and the base characters' glyphs: kept, or made now from :meth:`source`."""
        self.template()
        wanted = self._base_glyphs.union(glyphs)
        with self._lock:
            found = self._programs.get(wanted)
            if found is not None:
                self._programs.move_to_end(wanted)
                return found
        fonttools = _fonttools()
        font = self.source(wanted)
        options = fonttools.subset.Options(notdef_outline=True, recommended_glyphs=True)
        options.drop_tables += [*UNUSED_TABLES, *UNEMBEDDED_TABLES]
        subsetter = fonttools.subset.Subsetter(options)
        subsetter.populate(glyphs=wanted)
        subsetter.subset(font)
        out = BytesIO()
        font.save(out)
        data = out.getvalue()
        program = _Program(data, {glyph: i for i, glyph in enumerate(font.getGlyphOrder())}, zlib.compress(data))
        with self._lock:
            self._programs[wanted] = program
            while len(self._programs) > MAX_PROGRAMS:
                self._programs.popitem(last=False)
        return program

    def source(self, glyphs: Collection[str]) -> Any:
        """A fontTools font that holds ``glyphs`` (names), to subset (for a program, or by fpdf2).

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


@cache
def _prebuilt_class() -> Any:
    """The prebuilt stand-in's class, made when a font is first embedded (it is a fontTools font)."""

    class Prebuilt(_fonttools().ttLib.TTFont):  # type: ignore[misc]
        """fpdf2 internals: what ``OutputProducer._add_fonts`` subsets, asks glyph ids of and saves, for a
        program made already. It has the program's glyph list and no tables: subsetting it reads nothing
        (and only shortens its glyph list); its glyph ids are the program's; it saves nothing."""

        def __init__(self, program: _Program) -> None:
            super().__init__(recalcBBoxes=False, recalcTimestamp=False)
            self.program = program
            self.setGlyphOrder(list(program.ids))

        def getGlyphID(self, glyphName: str) -> int:  # fontTools' names
            return self.program.ids[glyphName]

        def save(self, file: Any, reorderTables: bool | None = True) -> None:
            """Nothing: :func:`_fill_programs` puts the program in the PDF, compressed already."""

    return Prebuilt


_typefaces: dict[tuple[str, str, Path, str], Typeface] = {}
_typefaces_lock = threading.Lock()


def typeface(family: str, style: str, path: Path, base: str = "") -> Typeface:
    """The process's one :class:`Typeface` for this file, family, style and base characters."""
    with _typefaces_lock:
        return _typefaces.setdefault((family, style, path, base), Typeface(family, style, path, base))


def current_font(pdf: FPDF) -> tuple[str, dict[int, str]]:
    """fpdf2 internals: the current font's key (family in lower case, then style) and character map
    (code point to glyph name); ``("", {})`` before a font is set."""
    font: Any = pdf.current_font
    return ("", {}) if font is None else (font.fontkey, getattr(font, "cmap", {}))


def text_operand(pdf: FPDF, text: str) -> str | None:
    """What ``pdf.text`` would write for ``text`` in the current font (``(...) Tj``, in the document's own
    codes), remembered for the document; None when that font (one of a :class:`Typeface`) lacks one of
    its characters, or ``text`` is empty."""
    font: Any = pdf.current_font
    pending = getattr(font, "ttfont", None)
    if not isinstance(pending, _Unembedded):
        return None
    operand = pending.operands.get(text)
    if operand is None:
        cmap = font.cmap
        drawable = text and all(ord(ch) in cmap for ch in text)
        # encode_text gives each new character its code (as pdf.text does) and its glyph a place in the subset.
        operand = pending.operands[text] = font.encode_text(text) if drawable else ""
    return operand or None


def show_text(pdf: FPDF, x: float, y: float, text: str, operand: str) -> None:
    """``pdf.text(x, y, text)``, written directly (at a fraction of its cost) when it is a plain filled line;
    ``operand`` is the text's :func:`text_operand`."""
    gs: Any = pdf
    if gs.text_mode != _fill_mode() or gs.underline or gs.strikethrough or pdf._record_text_quad_points:
        pdf.text(x, y, text)
        return
    if not gs.current_font_is_set_on_page:
        pdf._out(pdf._set_font_for_page(gs.current_font, gs.font_size_pt))
    k = pdf.k
    line = f"BT {x * k:.2f} {(pdf.h - y) * k:.2f} Td {operand} ET"
    color, fill = gs.text_color, gs.fill_color
    if fill is not color and fill != color:
        line = f"q {_color_operator(color)} {line} Q"
    pdf._out(line)


@cache
def _fill_mode() -> Any:
    from fpdf.enums import TextMode

    return TextMode.FILL


_color_operators: dict[int, tuple[object, str]] = {}


def _color_operator(color: DeviceRGB | DeviceGray) -> str:
    """The operator that sets a text colour, as ``pdf.text`` writes it; remembered by the colour object
    (the report's colours are the same objects at every use: :func:`.theme.device_color`)."""
    found = _color_operators.get(id(color))
    if found is None or found[0] is not color:
        if len(_color_operators) >= 256:
            _color_operators.clear()
        found = _color_operators[id(color)] = (color, str(color.serialize()).lower())
    return found[1]


def draw_rects(pdf: FPDF, rects: Iterable[tuple[float, float, float, float]], style: RenderStyle) -> None:
    """``pdf.rect(x, y, w, h, style=style)`` (square corners) for each ``(x, y, w, h)``, written in one go."""
    k, top, operator = pdf.k, pdf.h, style.operator
    lines = [f"{x * k:.2f} {(top - y) * k:.2f} {w * k:.2f} {-h * k:.2f} re {operator}" for x, y, w, h in rects]
    if lines:
        pdf._out("\n".join(lines))


def write(pdf: FPDF) -> bytes:
    """``pdf.output()``, with each :class:`Typeface` font embedded from its program (or working font)."""
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
            font.ttfont = pending.typeface.embedding(font.subset.get_all_glyph_names())


def _fill_programs(pdf: FPDF) -> None:
    """fpdf2 internals: put each prebuilt stand-in's program, compressed once, in the font file stream that
    ``OutputProducer._add_fonts`` made for it (empty: the stand-in saves nothing, so fpdf2 compresses nothing)."""
    font: Any
    for font in pdf.fonts.values():
        prebuilt = getattr(font, "ttfont", None)
        if isinstance(prebuilt, _prebuilt_class()):
            program: _Program = prebuilt.program
            stream = font.desc.font_file2
            stream._contents, stream.length = program.deflated, len(program.deflated)
            stream.length1 = len(program.data)


@cache
def _producer() -> type[OutputProducer]:
    """fpdf2's OutputProducer, which first gives every font its fontTools font (after the footers are drawn),
    and fills in the programs once fpdf2 has written the fonts."""
    from fpdf.output import OutputProducer

    class Producer(OutputProducer):
        def bufferize(self) -> bytearray:
            _embed(self.fpdf)
            return super().bufferize()

        def _add_fonts(self, *args: Any, **kwargs: Any) -> Any:
            added = super()._add_fonts(*args, **kwargs)
            _fill_programs(self.fpdf)
            return added

    return Producer
