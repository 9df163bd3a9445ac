"""Which installed apps' static folders are collected.

``settings.STATICFILES_SKIP_APPS`` names apps (by ``name`` or ``label``) whose ``static/``
folder is neither found nor collected. django-viewflow's is skipped: it is viewflow's own
Material frontend, which the product does not use, and one of its stylesheets names fonts
the package does not ship, which fails ``collectstatic`` with the manifest storage.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders


def skipped_apps() -> set[str]:
    return set(getattr(settings, "STATICFILES_SKIP_APPS", ()))


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    """Django's finder over every installed app's ``static/`` but the skipped apps'."""

    def __init__(self, app_names: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(app_names, *args, **kwargs)
        skip = skipped_apps()
        for config in apps.get_app_configs():
            if config.name in skip or config.label in skip:
                self.storages.pop(config.name, None)
                if config.name in self.apps:
                    self.apps.remove(config.name)
