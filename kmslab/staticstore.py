"""WhiteNoise's compressed manifest storage, with each file's URL remembered.

In production a static URL comes from the manifest `collectstatic` wrote, which does not change
while the process runs; working it out (manifest lookup, URL join) cost about 50 us a call, and a
page has a dozen (`{% static %}` in the base template). settings.STORAGES points here outside
DEBUG and tests.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
