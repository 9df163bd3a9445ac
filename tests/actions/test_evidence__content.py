"""Evidence files are checked by their content, not only their first bytes: each allowed
type is accepted when well formed and refused when it holds something else after a
genuine header (a PDF or PNG with a payload appended), is cut short, is another kind of
archive, or (text) holds NUL bytes or is not UTF-8."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from actions import validators
from actions.validators import validate_evidence_file
from tests.factories.actions import MINIMAL_PDF

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program"


def check(name: str, data: bytes) -> str:
    return validate_evidence_file(SimpleUploadedFile(name, data))


def refused(name: str, data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        check(name, data)
    (message,) = caught.value.message_dict["file"]
    return message


def mismatch(label: str) -> str:
    return validators.FILE_CONTENT_MISMATCH.format(label=label)


# -- builders ------------------------------------------------------------------------------------
def png(*, after: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1 x 1, RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        validators.PNG
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
        + after
    )


def jpeg(*, after: bytes = b"") -> bytes:
    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + bytes(range(1, 65)))
        + segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
        + segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x12\x34\xff\x00\x56"  # entropy-coded data (a stuffed 0xFF inside)
        + b"\xff\xd9"
        + after
    )


def archive(
    members: dict[str, bytes], *, stored_first: bool = False, stored: bool = False
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in members.items():
            plain = stored or (stored_first and name == "mimetype")
            out.writestr(name, body, compress_type=zipfile.ZIP_STORED if plain else None)
    return buffer.getvalue()


def ooxml(main_type: str, main_part: str) -> bytes:
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/></Types>'
    )
    return archive({"[Content_Types].xml": types.encode(), main_part: b"<document/>"})


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
DOCM_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["Training register", 58])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def odf(mimetype: bytes) -> bytes:
    return archive(
        {"mimetype": mimetype, "content.xml": b"<office:document-content/>"}, stored_first=True
    )


def ole(stream: str, *, major: int = 3, shift: int | None = None) -> bytes:
    header = bytearray(512)
    header[0:8] = validators.OLE
    shift = shift if shift is not None else (9 if major == 3 else 12)
    header[24:34] = struct.pack("<HHHHH", 0x3E, major, 0xFFFE, shift, 6)
    directory = (stream.encode("utf-16-le") + b"\x00\x00").ljust(128, b"\x00")
    return bytes(header) + directory.ljust(512, b"\x00") + b"\x00" * 1024


# -- accepted ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("report.pdf", MINIMAL_PDF, "PDF"),
        ("report.pdf", MINIMAL_PDF.replace(b"%%EOF\n", b"%%EOF\r\n\r\n"), "PDF"),
        ("plan.docx", ooxml(DOCX_TYPE, "word/document.xml"), "Word document"),
        ("register.xlsx", xlsx(), "Excel spreadsheet"),
        ("slides.pptx", ooxml(PPTX_TYPE, "ppt/presentation.xml"), "PowerPoint presentation"),
        ("notes.odt", odf(b"application/vnd.oasis.opendocument.text"), "OpenDocument text"),
        (
            "sheet.ods",
            odf(b"application/vnd.oasis.opendocument.spreadsheet"),
            "OpenDocument spreadsheet",
        ),
        ("old.doc", ole("WordDocument"), "Word 97 document"),
        ("old.xls", ole("Workbook", major=4), "Excel 97 spreadsheet"),
        ("old.xls", ole("Book"), "Excel 97 spreadsheet"),
        ("photo.png", png(), "PNG image"),
        ("photo.jpg", jpeg(), "JPEG image"),
        ("photo.JPEG", jpeg(after=b"\x00\x00"), "JPEG image"),
        ("notes.txt", "Register: 58 of 61 staff — 95%\r\n\tsigned\n".encode(), "Text"),
        ("notes.txt", b"\xef\xbb\xbfWith a byte-order mark\n", "Text"),
        ("list.csv", "Name,Date\nZoë,2026-03-31\n".encode(), "CSV"),
    ],
)
def test_well_formed_files_of_every_allowed_type_are_accepted(name, data, label):
    assert check(name, data) == label


def test_the_xls_header_must_match_its_sector_size():
    assert refused("old.xls", ole("Workbook", shift=12)) == mismatch("Excel 97 spreadsheet")


# -- refused -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"%PDF-1.7\n" + EXE),  # a genuine header, then something else
        ("report.pdf", MINIMAL_PDF + EXE),  # a payload after %%EOF
        ("report.pdf", MINIMAL_PDF + b"%%EOF padding"),
        ("report.pdf", MINIMAL_PDF[:-20]),  # cut short
        ("report.pdf", MINIMAL_PDF.replace(b"startxref\n96", b"startxref\n50")),  # points nowhere
        ("report.pdf", b"%PDF-1.4\n% test evidence\n"),  # a header alone
        ("report.pdf", EXE),
    ],
)
def test_a_pdf_is_checked_to_its_end(name, data):
    assert refused(name, data) == mismatch("PDF")


@pytest.mark.parametrize(
    "data",
    [
        png(after=EXE),  # a payload after IEND
        png(after=b"\x00"),
        png()[:-6],  # cut short
        png().replace(b"IHDR", b"IHDX"),  # no header chunk
        png()[:33] + b"\x00\x00\x00\x05IDATxxxxx\x00\x00\x00\x00" + png()[33:],  # bad CRC
        validators.PNG + EXE,
    ],
)
def test_a_png_is_walked_chunk_by_chunk_to_iend_with_nothing_after(data):
    assert refused("photo.png", data) == mismatch("PNG image")


@pytest.mark.parametrize(
    "data", [jpeg(after=EXE), jpeg()[:-2], b"\xff\xd8\xff\xe0" + EXE, jpeg()[:40]]
)
def test_a_jpeg_is_walked_to_its_image_data_and_ends_there(data):
    assert refused("photo.jpg", data) == mismatch("JPEG image")


@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("plan.docx", xlsx(), "Word document"),  # another kind of document renamed
        ("register.xlsx", ooxml(DOCX_TYPE, "word/document.xml"), "Excel spreadsheet"),
        ("plan.docx", ooxml(DOCM_TYPE, "word/document.xml"), "Word document"),  # macros
        ("plan.docx", archive({"hello.txt": b"hi"}), "Word document"),  # any zip
        ("plan.docx", ooxml(DOCX_TYPE, "word/document.xml") + EXE, "Word document"),
        ("plan.docx", ooxml(DOCX_TYPE, "word/document.xml")[:-30], "Word document"),
        ("plan.docx", validators.ZIP + EXE, "Word document"),
        ("slides.pptx", xlsx(), "PowerPoint presentation"),
        ("notes.odt", odf(b"application/vnd.oasis.opendocument.spreadsheet"), "OpenDocument text"),
        ("sheet.ods", archive({"content.xml": b"x"}), "OpenDocument spreadsheet"),
    ],
)
def test_an_office_document_is_a_whole_archive_of_its_own_kind(name, data, label):
    assert refused(name, data) == mismatch(label)


def test_a_corrupted_archive_member_is_refused():
    data = bytearray(
        archive(
            {"[Content_Types].xml": DOCX_TYPE.encode(), "word/document.xml": b"<document/>"},
            stored=True,
        )
    )
    at = data.find(b"<document/>")
    data[at + 1] ^= 0x20  # a bit flipped in transit: the member's CRC no longer matches
    assert refused("plan.docx", bytes(data)) == mismatch("Word document")


def test_an_archive_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(validators, "MAX_UNPACKED_BYTES", 1000)
    data = archive(
        {
            "[Content_Types].xml": DOCX_TYPE.encode(),
            "word/document.xml": b" " * 5000,
        }
    )
    assert refused("plan.docx", data) == mismatch("Word document")


@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("old.doc", ole("Workbook"), "Word 97 document"),  # an Excel 97 file renamed
        ("old.doc", validators.OLE + EXE, "Word 97 document"),
        ("old.xls", ole("WordDocument"), "Excel 97 spreadsheet"),
    ],
)
def test_an_office_97_file_has_its_header_and_its_stream(name, data, label):
    assert refused(name, data) == mismatch(label)


@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("notes.txt", b"hello\x00world", "Text"),  # NUL bytes
        ("notes.txt", "Café".encode("cp1252"), "Text"),  # not UTF-8
        ("notes.txt", EXE, "Text"),
        ("list.csv", b"a,b\n" + b"\x01\x02\x03", "CSV"),
        ("notes.txt", "hello".encode("utf-16"), "Text"),
    ],
)
def test_text_is_utf_8_without_binary_content(name, data, label):
    assert refused(name, data) == validators.TEXT_NOT_UTF8.format(label=label)


def test_unknown_types_empty_files_and_large_files_keep_their_messages():
    assert refused("tool.exe", EXE) == validators.FILE_TYPE_REFUSED
    assert refused("report.pdf", b"") == validators.FILE_EMPTY
    big = MINIMAL_PDF + b" " * validators.MAX_EVIDENCE_BYTES
    assert refused("report.pdf", big) == validators.FILE_TOO_BIG
