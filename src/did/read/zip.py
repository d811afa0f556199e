"""A .zip holding exactly one CSV or XML file, extracted in chunks to a private temp file."""

import shutil
import zipfile
from pathlib import Path

from did.read.errors import FileRejected

# A DID month is a few hundred MB; refuse to inflate anything far larger (a "zip bomb").
MAX_UNCOMPRESSED_BYTES = 20 << 30


def extract_single(path: Path, into: Path) -> Path:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise FileRejected("DIDP107", "The zip file is damaged and cannot be opened.") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        members = [m for m in members if not Path(m.filename).name.startswith(("._", "."))]
        if len(members) != 1:
            raise FileRejected(
                "DIDP107",
                f"The zip file holds {len(members)} files; it must hold exactly one CSV or XML file.",
            )
        member = members[0]
        if member.file_size > MAX_UNCOMPRESSED_BYTES:
            raise FileRejected("DIDP107", "The file inside the zip is too large.")
        target = into / "member"
        try:
            with archive.open(member) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, 8 << 20)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
            raise FileRejected(
                "DIDP107", "The file inside the zip cannot be extracted (damaged or encrypted)."
            ) from None
        return target
