"""Evidence files: a short list of document and image types, a size limit, and a check of
each file's content against its type, not only of its first bytes:

* PDF: starts with ``%PDF-``, ends with ``%%EOF`` (only whitespace after it), and its last
  ``startxref`` points at a cross-reference table or stream inside the file;
* PNG: the signature, then chunks (each with its CRC) from ``IHDR`` to ``IEND`` and
  nothing after;
* JPEG: a start-of-image marker, segments up to the image data, and an end-of-image
  marker at the very end;
* Word, Excel and PowerPoint (``.docx``, ``.xlsx``, ``.pptx``): a whole zip archive
  (nothing before or after it, every member readable) whose ``[Content_Types].xml``
  names the main part of that kind of document, without macros; OpenDocument (``.odt``,
  ``.ods``): a whole zip archive whose ``mimetype`` says the kind;
* Word 97 and Excel 97 (``.doc``, ``.xls``): an OLE compound file header and the stream
  that kind of document has;
* text and CSV: UTF-8 (a byte-order mark allowed) without NUL or other binary control
  characters.

A renamed executable, a PDF or PNG with something else appended, a text file holding
binary data, or an archive that is not the document it claims to be is refused.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# An archive's members, unpacked (a real 10 MB document unpacks to far less).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"

FILE_TYPE_REFUSED = (
    "The file must be a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file"
)
FILE_TOO_BIG = "The file must be smaller than 10 MB"
FILE_EMPTY = "The selected file is empty"
FILE_CONTENT_MISMATCH = "The file's contents do not match its type: save it again as {label}"
TEXT_NOT_UTF8 = (
    "The file is not plain text in UTF-8 (it holds binary data or another encoding): "
    "save it again as {label} in UTF-8"
)


class _Mismatch(Exception):
    pass


def _need(condition: bool) -> None:
    if not condition:
        raise _Mismatch


# -- PDF -------------------------------------------------------------------------------------
_PDF_END = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF\s*\Z")
_PDF_XREF_AT = re.compile(rb"\s*(?:xref\b|\d{1,10}\s+\d{1,5}\s+obj\b)")


def _check_pdf(data: bytes) -> None:
    _need(data.startswith(b"%PDF-"))
    match = _PDF_END.search(data[-2048:])  # %%EOF ends the file; only whitespace may follow
    _need(match is not None)
    assert match is not None
    offset = int(match.group(1))
    _need(16 <= offset < len(data))
    # The cross-reference table (or stream object) the trailer points at is there.
    _need(_PDF_XREF_AT.match(data, offset) is not None)


# -- PNG -------------------------------------------------------------------------------------
def _check_png(data: bytes) -> None:
    _need(data.startswith(PNG))
    position, first = len(PNG), True
    while True:
        _need(position + 12 <= len(data))
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 8 + length
        _need(end + 4 <= len(data) and kind.isalpha())
        (crc,) = struct.unpack(">I", data[end : end + 4])
        _need(zlib.crc32(data[position + 4 : end]) == crc)
        _need(kind == b"IHDR" if first else kind != b"IHDR")
        first = False
        position = end + 4
        if kind == b"IEND":
            _need(position == len(data))  # nothing after the image
            return


# -- JPEG ------------------------------------------------------------------------------------
def _check_jpeg(data: bytes) -> None:
    _need(data.startswith(JPEG))
    position = 2
    while True:  # the segments up to the start of the image data
        _need(position + 4 <= len(data) and data[position] == 0xFF)
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        _need(marker not in (0x00, 0xD8, 0xD9))
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        _need(length >= 2)
        position += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data to the end-of-image marker
            break
    _need(data.rstrip(b"\x00").endswith(b"\xff\xd9") and position < len(data))


# -- zip-based documents ---------------------------------------------------------------------
_OOXML_MAIN = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_ODF_MIMETYPE = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
_EOCD = b"PK\x05\x06"


def _whole_zip(data: bytes) -> zipfile.ZipFile:
    """The archive, if the file is one zip archive and nothing else, every member
    readable (CRC checked) within the unpacked limit."""
    _need(data.startswith(ZIP))
    end = data.rfind(_EOCD, max(0, len(data) - 65557))
    _need(end >= 0 and end + 22 <= len(data))
    (comment_length,) = struct.unpack("<H", data[end + 20 : end + 22])
    _need(end + 22 + comment_length == len(data))  # nothing after the archive
    archive = zipfile.ZipFile(BytesIO(data))
    infos = archive.infolist()
    _need(bool(infos) and infos[0].header_offset == 0)
    _need(sum(info.file_size for info in infos) <= MAX_UNPACKED_BYTES)
    for info in infos:
        with archive.open(info) as member:
            while member.read(1024 * 1024):
                pass
    return archive


def _check_ooxml(data: bytes, ext: str) -> None:
    archive = _whole_zip(data)
    types = archive.read("[Content_Types].xml")
    _need(b"<!DOCTYPE" not in types.upper())
    _need(_OOXML_MAIN[ext].encode() in types)
    _need(b"macroEnabled" not in types and b"vbaProject" not in types)


def _check_odf(data: bytes, ext: str) -> None:
    archive = _whole_zip(data)
    _need(archive.infolist()[0].filename == "mimetype")
    _need(archive.read("mimetype").strip() == _ODF_MIMETYPE[ext])
    _need("content.xml" in archive.namelist())


# -- Office 97 -------------------------------------------------------------------------------
def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


_OLE_STREAMS = {".doc": (_utf16("WordDocument"),), ".xls": (_utf16("Workbook"), _utf16("Book"))}


def _check_ole(data: bytes, ext: str) -> None:
    _need(data.startswith(OLE) and len(data) >= 1536)
    major, byte_order, sector_shift, mini_shift = struct.unpack("<HHHH", data[26:34])
    _need(byte_order == 0xFFFE and mini_shift == 6)
    _need((major, sector_shift) in ((3, 9), (4, 12)))
    _need(any(name in data for name in _OLE_STREAMS[ext]))


# -- text ------------------------------------------------------------------------------------
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def _check_text(data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Mismatch from None
    _need(not _BINARY_CONTROL.search(text))


# extension -> (label, content check)
ALLOWED: dict[str, tuple[str, Callable[[bytes], None]]] = {
    ".pdf": ("PDF", _check_pdf),
    ".docx": ("Word document", lambda data: _check_ooxml(data, ".docx")),
    ".xlsx": ("Excel spreadsheet", lambda data: _check_ooxml(data, ".xlsx")),
    ".pptx": ("PowerPoint presentation", lambda data: _check_ooxml(data, ".pptx")),
    ".odt": ("OpenDocument text", lambda data: _check_odf(data, ".odt")),
    ".ods": ("OpenDocument spreadsheet", lambda data: _check_odf(data, ".ods")),
    ".doc": ("Word 97 document", lambda data: _check_ole(data, ".doc")),
    ".xls": ("Excel 97 spreadsheet", lambda data: _check_ole(data, ".xls")),
    ".png": ("PNG image", _check_png),
    ".jpg": ("JPEG image", _check_jpeg),
    ".jpeg": ("JPEG image", _check_jpeg),
    ".txt": ("Text", _check_text),
    ".csv": ("CSV", _check_text),
}
TEXT_TYPES = {".txt", ".csv"}


def validate_evidence_file(file: UploadedFile) -> str:
    """Return the file's type label, or raise ``ValidationError`` on the ``file`` field."""
    ext = Path(file.name or "").suffix.lower()
    if ext not in ALLOWED:
        raise ValidationError({"file": FILE_TYPE_REFUSED})
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": FILE_EMPTY})
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": FILE_TOO_BIG})
    label, check = ALLOWED[ext]
    file.seek(0)
    data = file.read(MAX_EVIDENCE_BYTES + 1)
    file.seek(0)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": FILE_TOO_BIG})
    try:
        check(data)
    except (
        _Mismatch,
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        KeyError,
        NotImplementedError,
        RuntimeError,  # an encrypted archive member
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        struct.error,
    ):
        template = TEXT_NOT_UTF8 if ext in TEXT_TYPES else FILE_CONTENT_MISMATCH
        raise ValidationError({"file": template.format(label=label)}) from None
    return label
