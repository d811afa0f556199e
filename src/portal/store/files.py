"""Django's default file storage (certificate scans) on the media store, so a FileField
saves to the local folder or to object storage through the same interface, crash safe.

Scans are never served by URL: the service desk downloads them through a view that checks
who is asking, so `url()` refuses.
"""

import shutil
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from portal.store import config


@deconstructible(path="portal.store.files.MediaStorage")
class MediaStorage(Storage):
    def _save(self, name, content):
        def produce(path: Path) -> None:
            content.seek(0)
            with open(path, "wb") as target:
                shutil.copyfileobj(content, target, length=1024 * 1024)

        config.media().write(name, produce)
        return name

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("stored files are written only through save()")
        return File(config.media().open(name), name=name)

    def exists(self, name):
        return config.media().exists(name)

    def delete(self, name):
        config.media().delete(name)

    def size(self, name):
        found = config.media().info(name)
        if found is None:
            raise FileNotFoundError(name)
        return found.size

    def url(self, name):
        raise NotImplementedError("stored files are served by views that check permissions")
