"""Evidence files: a short list of document and image types, checked by extension and by
their first bytes (a renamed executable is refused), and a size limit."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0"
# extension -> (label, accepted leading bytes; None means plain text)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("PDF", (b"%PDF",)),
    ".docx": ("Word document", (ZIP,)),
    ".xlsx": ("Excel spreadsheet", (ZIP,)),
    ".pptx": ("PowerPoint presentation", (ZIP,)),
    ".odt": ("OpenDocument text", (ZIP,)),
    ".ods": ("OpenDocument spreadsheet", (ZIP,)),
    ".doc": ("Word 97 document", (OLE,)),
    ".xls": ("Excel 97 spreadsheet", (OLE,)),
    ".png": ("PNG image", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("JPEG image", (b"\xff\xd8\xff",)),
    ".jpeg": ("JPEG image", (b"\xff\xd8\xff",)),
    ".txt": ("Text", None),
    ".csv": ("CSV", None),
}

FILE_TYPE_REFUSED = (
    "The file must be a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file"
)
FILE_TOO_BIG = "The file must be smaller than 10 MB"
FILE_EMPTY = "The selected file is empty"
FILE_CONTENT_MISMATCH = "The file's contents do not match its type: save it again as {label}"


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
    label, magics = ALLOWED[ext]
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if magics is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A cut in the middle of a multi-byte character is fine; binary is not.
            if b"\x00" in head:
                raise ValidationError({"file": FILE_CONTENT_MISMATCH.format(label=label)}) from None
    elif not any(head.startswith(m) for m in magics):
        raise ValidationError({"file": FILE_CONTENT_MISMATCH.format(label=label)})
    return label
