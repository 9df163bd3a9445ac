"""Production's static files: ``collectstatic`` with the manifest storage succeeds (it
failed on django-viewflow's stylesheet that names fonts the package leaves out, and with
no manifest every page was a 500), what the product and its dependencies' pages need is
collected, viewflow's unused frontend is not, and ``check --deploy`` fails loudly on a
missing or broken collected set."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from core import checks

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # whitenoise's CompressedManifestStaticFilesStorage less the compression: the same
    # post-processing (the CSS url() rewriting that raised MissingFileError), faster.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def check_ids() -> list[str]:
    return [str(message.id) for message in checks.static_files_collected()]


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """One collectstatic run into a temporary STATIC_ROOT, as production does it."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=MANIFEST_STORAGE):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def test_viewflow_frontend_is_not_found_and_the_rest_is():
    assert finders.find("viewflow/fonts/roboto/roboto-fontface.css") is None
    for name in (
        "admin/css/base.css",
        "rest_framework/css/bootstrap.min.css",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
        "guardian/img/icon-no.svg",
        "css/app.css",  # our static/
        "govuk/govuk-frontend.min.css",  # node_modules
        "moj/moj-frontend.min.css",
        "fonts/light-94a07e06a1-v2.woff2",  # GOV.UK Frontend's assets at the root
    ):
        assert finders.find(name), name


def test_required_names_come_from_our_templates_and_the_dependencies_pages():
    names = checks.required_static_names()
    assert "govuk/govuk-frontend.min.css" in names
    assert "css/app.css" in names
    assert "admin/css/base.css" in names
    assert not [name for name in names if name.startswith("viewflow/")]


def test_collectstatic_with_the_manifest_storage_collects_what_the_pages_need(collected):
    assert (collected / "staticfiles.json").is_file()
    assert not (collected / "viewflow").exists()
    for folder in ("admin", "rest_framework", "drf_spectacular_sidecar", "govuk", "moj", "css"):
        assert (collected / folder).is_dir(), folder
    with override_settings(STATIC_ROOT=collected, STORAGES=MANIFEST_STORAGE):
        assert check_ids() == []


def test_check_deploy_fails_without_a_manifest(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST_STORAGE):
        assert check_ids() == ["core.E001"]


def test_check_deploy_fails_when_a_needed_asset_is_not_in_the_manifest(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"css/app.css": "css/app.css"}, "version": "1.1", "hash": "x"}'
    )
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("")
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST_STORAGE):
        messages = checks.static_files_collected()
    assert [m.id for m in messages] == ["core.E002"]
    assert "govuk/govuk-frontend.min.css" in messages[0].msg


def test_check_deploy_fails_when_a_collected_file_is_gone(collected):
    hashed = next((collected / "css").glob("app.*.css"))
    moved = hashed.rename(hashed.with_suffix(".moved"))
    try:
        with override_settings(STATIC_ROOT=collected, STORAGES=MANIFEST_STORAGE):
            assert check_ids() == ["core.E003"]
    finally:
        moved.rename(hashed)


def test_check_deploy_in_development_wants_the_assets_found():
    assert check_ids() == []
    with override_settings(STATICFILES_DIRS=[]):
        assert "core.E002" in check_ids()


def test_the_check_runs_with_check_deploy_only():
    from django.core.checks import registry

    assert checks.static_files_collected in registry.registry.get_checks(
        include_deployment_checks=True
    )
    assert checks.static_files_collected not in registry.registry.get_checks()
