"""Turn an uploaded file into lines of text without holding it in memory.

Spreadsheets in Japan save CSV either as UTF-8 (often with a BOM: Excel's "CSV UTF-8") or as
Shift_JIS, which Excel actually writes as Microsoft's CP932 superset (NEC and IBM extensions such
as ① and ㈱). We try strict UTF-8 first because random CP932 text almost never happens to be valid
UTF-8, while ASCII is valid in both; then CP932. No chardet-style guessing: a wrong guess would
import mojibake, so when neither decodes we say where and stop.

The file is read in pieces cut just after a line feed. 0x0A is never part of a multi-byte
character in UTF-8 or Shift_JIS (trail bytes are 0x40 and up), so every piece decodes on its own
and an error offset is exact.
"""

from __future__ import annotations

import codecs
import io
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

PIECE_BYTES = 1 << 18
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class DecodingError(Exception):
    """The bytes are not text we can read; ``line`` is 1-based, ``offset`` counts bytes from 0."""

    def __init__(self, message: str, *, offset: int | None = None, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.line = line


@dataclass(frozen=True)
class Encoding:
    name: str  # the codec to decode with
    skip: int  # bytes of byte-order mark to skip

    @property
    def label(self) -> str:
        return "utf-8-sig" if self.name == "utf-8" and self.skip else self.name


def as_binary_file(source: Any) -> IO[bytes]:
    """A seekable binary file for ``source``: bytes, a binary file, or a Django UploadedFile.

    We read the file three times (detect, validate, write) instead of keeping rows in memory,
    so it must seek; a pipe is first spooled to a temporary file (in memory while small).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    try:
        source.seek(0)
        return source  # type: ignore[no-any-return]
    except (AttributeError, OSError, io.UnsupportedOperation):
        spool = tempfile.SpooledTemporaryFile(max_size=16 * PIECE_BYTES)  # noqa: SIM115 - returned open
        shutil.copyfileobj(source, spool)
        spool.seek(0)
        return spool  # type: ignore[return-value]


def file_size(f: IO[bytes]) -> int:
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(0)
    return size


def iter_pieces(f: IO[bytes], *, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, piece)``; every piece but the last ends with a line feed."""
    f.seek(start)
    offset, carry = start, b""
    while True:
        block = f.read(PIECE_BYTES)
        if not block:
            if carry:
                yield offset, carry
            return
        data = carry + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:  # one line longer than a piece: keep reading until it ends
            carry = data
            continue
        yield offset, data[:cut]
        offset += cut
        carry = data[cut:]


# Python's cp932 maps the lone bytes 0x80, 0xA0 and 0xFD-0xFF to U+0080 and private-use
# U+F8F0-U+F8F3 (Microsoft's table), but no spreadsheet writes them as text: they mean the file is
# in some other encoding (or damaged), so we treat them as undecodable.
_CP932_STRAYS = re.compile("[\x80\uf8f0-\uf8f3]")


def _first_error(f: IO[bytes], codec: str, start: int) -> tuple[int, int, int] | None:
    """``(offset, line, byte)`` of the first byte that ``codec`` rejects, or None."""
    line = 1
    for offset, piece in iter_pieces(f, start=start):
        try:
            text = piece.decode(codec)
        except UnicodeDecodeError as exc:
            return offset + exc.start, line + piece.count(b"\n", 0, exc.start), piece[exc.start]
        stray = _CP932_STRAYS.search(text) if codec == "cp932" else None
        if stray:
            at = len(text[:stray.start()].encode(codec))
            return offset + at, line + piece.count(b"\n", 0, at), piece[at]
        line += piece.count(b"\n")
    return None


def detect_encoding(f: IO[bytes]) -> Encoding:
    f.seek(0)
    head = f.read(4)
    if head.startswith(_UTF16_BOMS):
        raise DecodingError(
            _("The file is UTF-16 (Excel's \"Unicode text\"). Save it as \"CSV UTF-8\" instead."), offset=0,
        )
    if head.startswith(codecs.BOM_UTF8):
        # A UTF-8 byte-order mark is a promise: do not fall back to CP932 behind it.
        error = _first_error(f, "utf-8", 3)
        if error is None:
            return Encoding("utf-8", 3)
        offset, line, byte = error
        raise DecodingError(
            _("The file starts with a UTF-8 byte-order mark but byte 0x%(byte)02X at offset %(offset)d "
              "(line %(line)d) is not valid UTF-8.") % {"byte": byte, "offset": offset, "line": line},
            offset=offset, line=line,
        )
    utf8_error = _first_error(f, "utf-8", 0)
    if utf8_error is None:
        return Encoding("utf-8", 0)
    cp932_error = _first_error(f, "cp932", 0)
    if cp932_error is None:
        return Encoding("cp932", 0)
    # Name both failures: the decoder that got further is probably the intended one, and its
    # offset points at the damaged spot.
    u_offset, u_line, u_byte = utf8_error
    s_offset, s_line, s_byte = cp932_error
    raise DecodingError(
        _("The file is neither UTF-8 nor Shift_JIS (CP932): byte 0x%(u_byte)02X at offset %(u_offset)d "
          "(line %(u_line)d) is not valid UTF-8, and byte 0x%(s_byte)02X at offset %(s_offset)d "
          "(line %(s_line)d) is not valid Shift_JIS. Save the file as \"CSV UTF-8\".")
        % {"u_byte": u_byte, "u_offset": u_offset, "u_line": u_line,
           "s_byte": s_byte, "s_offset": s_offset, "s_line": s_line},
        offset=max(u_offset, s_offset), line=max(u_line, s_line),
    )


class LineReader:
    """Iterate the decoded lines of ``f`` (line endings kept, as ``open(newline="")`` does for csv).

    ``position`` is the number of bytes consumed so far, for progress bars.
    """

    def __init__(self, f: IO[bytes], encoding: Encoding) -> None:
        self.f = f
        self.encoding = encoding
        self.position = 0

    def __iter__(self) -> Iterator[str]:
        for offset, piece in iter_pieces(self.f, start=self.encoding.skip):
            text = piece.decode(self.encoding.name)
            self.position = offset + len(piece)
            yield from io.StringIO(text, newline="")
