"""Font resolver (字体选择): CJK TrueType fonts reportlab can embed, with per-character fallback.

Order: fonts named in configuration, then Windows fonts, then Debian packages. Body and
heading fonts must carry the common wording; fallback fonts need only the characters they add
(HanaMinB, like Windows' SimSun-ExtB, has CJK Extension B and later but no common hanzi), so a
name such as 𠮷 (U+20BB7) prints. A character no font has is printed as its boxed code point
(``unprintable_to_codepoints``) for the clerk to write in by hand: a name never stops the
applicant's receipt from printing. Only
TrueType-outline (glyf) fonts work: reportlab refuses CFF fonts such as Noto CJK, and the
built-in ``STSong-Light`` is never embedded, so a PDF made with it prints blank Chinese on a
machine without that font. Every candidate is registered and checked; the reason a candidate
was skipped is kept for the error message.
"""

from __future__ import annotations

import logging
import os
import threading
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger(__name__)

# Characters every usable body font must have: the common wording of the documents.
_PROBE = "受理通知书申请人编号年月日，。：0123456789ABC"


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode map, with characters beyond U+FFFF written as UTF-16 surrogate
    pairs. reportlab 4/5 writes ``<%04X>`` of the code point, so 𠮷 (U+20BB7) is drawn right but
    copies and searches as ₻ (U+20BB): the text of the document would not say the name."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class _GlyphTable:
    """A font's ``glyf`` table read in place: slicing it gives one glyph's bytes.

    reportlab's subsetter asks for the whole table as ``bytes`` and then slices out the glyphs
    it embeds; for a CJK font that is a copy of most of a 20 MB file for every subset of every
    document (a third of a receipt's render time). Only slices are taken of it there.
    """

    def __init__(self, data: bytes, pos: int, length: int) -> None:
        self._data, self._pos, self._length = data, pos, length

    def __getitem__(self, part: slice) -> bytes:
        start, stop, _step = part.indices(self._length)
        return self._data[self._pos + start : self._pos + stop]


_whole_table = ttfonts.TTFontFile.get_table


def _get_table(self: ttfonts.TTFontFile, tag: str) -> object:
    if tag == "glyf":
        return _GlyphTable(self._ttf_data, *self.get_table_pos(tag))
    return _whole_table(self, tag)


ttfonts.TTFontFile.get_table = _get_table


def _fast_flate(data: bytes | str) -> bytes:
    """reportlab's Flate filter at zlib level 1: compressing the embedded CJK font subsets at
    the default level 6 took a fifth of a document's render time; level 1 makes the PDF about
    8 % larger, nothing to a printer or the print queue."""
    return zlib.compress(data.encode("utf8") if isinstance(data, str) else data, 1)


pdfdoc.PDFZCompress.encode = _fast_flate


class FontError(DomainError):
    """No usable Chinese font (缺少中文字体)."""


class MissingGlyph(DomainError):
    """A character no configured font can draw (缺字). Printing it blank would be silently wrong."""

    def __init__(self, char: str, where: str = "") -> None:
        place = f"“{where}”中的" if where else ""
        super().__init__(
            f"no font has a glyph for U+{ord(char):04X}" + (f" in {where}" if where else ""),
            f"{place}字符“{char}”（U+{ord(char):04X}）没有可用字体，无法打印。请联系管理员配置字体。",
        )
        self.char = char


@dataclass(frozen=True)
class FontCandidate:
    """One font file (and face index inside a .ttc) to try."""

    path: Path
    index: int = 0

    @classmethod
    def parse(cls, spec: str) -> FontCandidate:
        """``C:/Windows/Fonts/simsun.ttc#0`` or a plain path."""
        path, _, index = spec.partition("#")
        try:
            return cls(Path(path), int(index) if index else 0)
        except ValueError:
            raise FontError(
                f"bad font spec {spec!r}", f"字体配置“{spec}”格式不对，应为 路径 或 路径#序号"
            ) from None


@dataclass(frozen=True)
class FontFace:
    """A registered, embeddable font face."""

    name: str  # the reportlab name
    path: Path
    index: int
    cmap: frozenset[int] = field(repr=False, compare=False)

    def has(self, char: str) -> bool:
        return ord(char) in self.cmap or char.isspace()


@dataclass(frozen=True)
class FontSet:
    """The faces a document uses: body (Song), heading (Hei), fallbacks for rare characters."""

    body: FontFace
    heading: FontFace
    fallbacks: tuple[FontFace, ...]

    @cached_property  # asked for every character that the primary face lacks
    def faces(self) -> tuple[FontFace, ...]:
        seen: dict[str, FontFace] = {}
        for face in (self.body, self.heading, *self.fallbacks):
            seen.setdefault(face.name, face)
        return tuple(seen.values())

    def face_for(self, char: str, primary: FontFace, where: str = "") -> FontFace:
        """``primary`` if it has ``char``, else the first fallback that does."""
        if primary.has(char):
            return primary
        for face in self.faces:
            if face.has(char):
                return face
        raise MissingGlyph(char, where)

    def runs(self, text: str, primary: FontFace, where: str = "") -> list[tuple[FontFace, str]]:
        """``text`` cut into runs that each use one face."""
        runs: list[tuple[FontFace, str]] = []
        for ch in text:
            face = self.face_for(ch, primary, where)
            if runs and runs[-1][0] is face:
                runs[-1] = (face, runs[-1][1] + ch)
            else:
                runs.append((face, ch))
        return runs

    def printable(self, text: str) -> str:
        """``text`` with every character no face has replaced by its code point in a box
        (【U+20BB7】), which the body font can always draw."""
        out: list[str] = []
        for ch in text:
            if ch.isspace() or any(face.has(ch) for face in self.faces):
                out.append(ch)
            else:
                log.warning("no font for U+%04X: printed as its code point", ord(ch))
                out.append(f"【U+{ord(ch):04X}】")
        return "".join(out)

    def check(self, text: str, where: str) -> None:
        """Raise ``MissingGlyph`` naming ``where`` if a character of ``text`` cannot be printed."""
        for ch in text:
            self.face_for(ch, self.body, where)


def _windows_fonts_dir() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


_DEBIAN = Path("/usr/share/fonts/truetype")
#: Debian fonts-hanazono (scripts/apt/printing.txt): HanaMinA (BMP and Ext A) and HanaMinB
#: (the supplementary ideographic plane: Ext B, C, D, E, F), both TrueType outlines.
HANAZONO = _DEBIAN / "hanazono"


def default_candidates() -> dict[str, list[FontCandidate]]:
    """Candidates per role: Windows first, then Debian packages (scripts/apt/printing.txt)."""
    win = _windows_fonts_dir()
    uming = FontCandidate(_DEBIAN / "arphic/uming.ttc", 0)  # AR PL UMing CN (Ming = Song style)
    microhei = FontCandidate(_DEBIAN / "wqy/wqy-microhei.ttc", 0)
    zenhei = FontCandidate(_DEBIAN / "wqy/wqy-zenhei.ttc", 0)
    return {
        "body": [FontCandidate(win / "simsun.ttc", 0), uming, zenhei, microhei],
        "heading": [
            FontCandidate(win / "simhei.ttf"),
            FontCandidate(win / "msyh.ttc", 0),
            microhei,
            zenhei,
            uming,
        ],
        # SimSun-ExtB and the Debian fonts that carry CJK Ext-A (䶮) and beyond (𠮷).
        "fallback": [
            FontCandidate(win / "simsun.ttc", 0),
            FontCandidate(win / "simsunb.ttf"),
            zenhei,
            uming,
            FontCandidate(HANAZONO / "HanaMinA.ttf"),
            FontCandidate(HANAZONO / "HanaMinB.ttf"),
        ],
    }


_registered: dict[tuple[str, int, bool], FontFace | str] = {}
_lock = threading.Lock()


def register(candidate: FontCandidate, *, fallback: bool = False) -> FontFace | str:
    """Register one candidate with reportlab: the face, or the reason it cannot be used. Cached.

    A ``fallback`` face need not carry the common wording, only some characters."""
    key = (str(candidate.path), candidate.index, fallback)
    with _lock:
        if key in _registered:
            return _registered[key]
        result: FontFace | str
        if not candidate.path.is_file():
            result = "文件不存在"
        else:
            name = f"zh-{candidate.path.stem}-{candidate.index}"
            try:
                font = TTFont(name, str(candidate.path), subfontIndex=candidate.index)
            except TTFError as error:
                # CFF outlines, embedding forbidden by fsType, or a corrupt file.
                result = f"不能嵌入（{error}）"
            except (OSError, IndexError, ValueError) as error:
                result = f"无法读取（{error}）"
            else:
                cmap = frozenset(font.face.charToGlyph)
                missing = [ch for ch in _PROBE if ord(ch) not in cmap]
                if missing and not fallback:
                    result = f"缺少常用汉字（{''.join(missing)}）"
                else:
                    pdfmetrics.registerFont(font)
                    result = FontFace(name, candidate.path, candidate.index, cmap)
        if isinstance(result, str):
            log.debug("font candidate %s#%d skipped: %s", candidate.path, candidate.index, result)
        _registered[key] = result
        return result


def resolve_fonts(
    configured: list[str] | None = None,
    candidates: dict[str, list[FontCandidate]] | None = None,
) -> FontSet:
    """Pick the fonts. ``configured`` (paths, optional ``#index``) go first: the first is the body
    and heading font, the others are tried as fallbacks before the built-in lists."""
    lists = candidates if candidates is not None else default_candidates()
    extra = [FontCandidate.parse(spec) for spec in configured or []]
    reasons: list[str] = []

    def first(role: str, front: list[FontCandidate]) -> FontFace | None:
        for candidate in [*front, *lists.get(role, [])]:
            result = register(candidate)
            if isinstance(result, FontFace):
                return result
            reasons.append(f"{candidate.path}#{candidate.index}：{result}")
        return None

    body = first("body", extra[:1])
    heading = first("heading", extra[:1])
    if body is None or heading is None:
        tried = "；".join(dict.fromkeys(reasons)) or "没有候选字体"
        raise FontError(
            "no embeddable TrueType CJK font found",
            f"找不到可嵌入的中文 TrueType 字体。已尝试：{tried}",
        )
    fallbacks: list[FontFace] = []
    for candidate in [*extra[1:], *lists.get("fallback", [])]:
        result = register(candidate, fallback=True)
        if isinstance(result, FontFace) and result not in fallbacks:
            fallbacks.append(result)
    return FontSet(body, heading, tuple(fallbacks))
