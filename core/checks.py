"""System checks.

``static_files_collected`` (a deployment check: ``manage.py check --deploy``) fails when
the static files the pages need are not there to be served. In production the manifest
storage answers every ``{% static %}`` from ``STATIC_ROOT/staticfiles.json``: without it,
or without an entry, every page is a 500. So the check wants the manifest, an entry for
each asset the templates name (and the ones the admin and the API docs load), and each
entry's file on disk. With a plain storage (development) it wants the finders to find
those assets (``npm ci`` not run, for example, leaves GOV.UK Frontend's missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import CheckMessage, Error, Tags, register

# What pages built by dependencies load from our static files.
DEPENDENCY_ASSETS = (
    "admin/css/base.css",
    "admin/js/theme.js",
    "rest_framework/css/bootstrap.min.css",
    "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
)
STATIC_TAG = re.compile(r"""{%\s*static\s+["']([^"']+)["']""")
MAX_LISTED = 10


def _project_template_dirs() -> list[Path]:
    base = Path(settings.BASE_DIR).resolve()
    dirs: list[Path] = []
    for engine in settings.TEMPLATES:
        dirs.extend(Path(d) for d in cast("list[str | Path]", engine.get("DIRS", [])))
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        installed = {"node_modules", "site-packages", "dist-packages"} & set(path.parts)
        if path.is_relative_to(base) and not installed:  # our apps, not a venv in the checkout
            dirs.append(path / "templates")
    return [d for d in dirs if d.is_dir()]


def required_static_names() -> list[str]:
    """Every asset a project template names with ``{% static "..." %}``, and the
    dependencies' assets the admin and the API pages load."""
    names = set(DEPENDENCY_ASSETS)
    for folder in _project_template_dirs():
        for template in folder.rglob("*.html"):
            names.update(STATIC_TAG.findall(template.read_text(encoding="utf-8")))
    return sorted(names)


def _listed(names: Iterable[str]) -> str:
    names = list(names)
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return ", ".join(names[:MAX_LISTED]) + more


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    required = required_static_names()
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):
        missing = [name for name in required if not finders.find(name)]
        if missing:
            return [
                Error(
                    f"Static files not found: {_listed(missing)}.",
                    hint="Install the front-end assets (npm ci) and the Python dependencies.",
                    id="core.E002",
                )
            ]
        return []

    location = Path(settings.STATIC_ROOT) / storage.manifest_name
    if storage.read_manifest() is None:
        return [
            Error(
                f"No static files manifest at {location}: every page would be a 500.",
                hint="Run `manage.py collectstatic --noinput` (with the same STATIC_ROOT).",
                id="core.E001",
            )
        ]
    hashed, _ = storage.load_manifest()
    errors: list[CheckMessage] = []
    not_listed = [name for name in required if name not in hashed]
    if not_listed:
        errors.append(
            Error(
                f"The static files manifest {location} has no entry for {_listed(not_listed)}.",
                hint="Run `manage.py collectstatic --noinput` again and look at its errors.",
                id="core.E002",
            )
        )
    gone = sorted(name for name, path in hashed.items() if not storage.exists(path))
    if gone:
        errors.append(
            Error(
                f"Files listed in {location} are missing from STATIC_ROOT: {_listed(gone)}.",
                hint="Run `manage.py collectstatic --noinput` again.",
                id="core.E003",
            )
        )
    return errors
