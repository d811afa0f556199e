"""What only the local folder needs: ages the test can set, fsynced renames."""

import os
import time

from portal.store import api as store
from tests.object_storage import keys

STORE_BACKENDS = ("local",)


def test_a_partial_write_still_changing_is_not_swept(db, settings):
    """The age is the object's last change (checked on the local folder, where the test can
    set it)."""
    store.records().write("reports/.old.tmp", lambda path: path.write_bytes(b"p"))
    store.records().write("reports/.live.tmp", lambda path: path.write_bytes(b"p"))
    old = time.time() - store.PARTIAL_UNCHANGED_SECONDS - 5
    os.utime(settings.DID_STORE / "reports/.old.tmp", (old, old))
    assert store.sweep_partial_files() == ["reports/.old.tmp"]
    assert keys() == ["reports/.live.tmp"]


def test_deleting_the_last_object_of_a_folder_can_remove_the_folder(db, settings):
    store.records().write("uploads/abc/file.csv", lambda path: path.write_bytes(b"x"))
    store.records().delete("uploads/abc/file.csv", prune=True)
    assert not (settings.DID_STORE / "uploads" / "abc").exists()
    assert (settings.DID_STORE / "uploads").is_dir()  # only the emptied folder goes
