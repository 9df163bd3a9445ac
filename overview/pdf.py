"""The board paper as a PDF, by WeasyPrint, from ``overview/paper.html`` (which includes
the same section templates as the page) and the same print stylesheet.

WeasyPrint needs Pango (``apt-get install libpango-1.0-0 libpangoft2-1.0-0``). Where it
cannot load, :func:`available` is False and the PDF route answers a 503 page saying so
(the page, its print layout and the XLSX still work)."""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders

STYLESHEETS = ("overview/overview.css", "overview/paper.css")
INSTALL_HINT = "pip install weasyprint and apt-get install libpango-1.0-0 libpangoft2-1.0-0"


@cache
def _load() -> tuple[Any, str]:
    """WeasyPrint's module, or None with why not (imported once, on first use)."""
    try:
        with warnings.catch_warnings():
            # "HarfBuzz-Subset will be required by future versions": not yet.
            warnings.simplefilter("ignore", DeprecationWarning)
            import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's libraries are missing
        return None, f"{error.__class__.__name__}: {error}"
    return weasyprint, ""


def available() -> bool:
    return _load()[0] is not None


def missing() -> str:
    """What is missing, in a line: why WeasyPrint did not load and what to install."""
    reason = _load()[1]
    return f"{reason} ({INSTALL_HINT})" if reason else ""


def render(html: str, *, base_url: str) -> bytes:
    weasyprint = _load()[0]
    if weasyprint is None:
        raise RuntimeError(missing())
    stylesheets = [weasyprint.CSS(filename=finders.find(name)) for name in STYLESHEETS]
    return bytes(weasyprint.HTML(string=html, base_url=base_url).write_pdf(stylesheets=stylesheets))
