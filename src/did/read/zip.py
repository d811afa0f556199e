"""A .zip holding exactly one CSV or XML file, extracted in chunks to a private temp file."""

import zipfile
from pathlib import Path

from did.read.errors import FileRejected

# A DID month is a few hundred MB; refuse to inflate anything far larger (a "zip bomb").
MAX_UNCOMPRESSED_BYTES = 4 << 30
# DID CSV deflates about 4 to 1 and XML about 17 to 1; a member that inflates to 50 times
# its compressed size (past the first MiB) is a zip bomb, whatever its header claims.
MAX_RATIO = 50
_RATIO_FLOOR = 1 << 20
# Inflated a MiB at a time, and checked before each write: extraction stops within a MiB
# of the limit, never writing past it.
_COPY = 1 << 20


def inflation_allowance(member: zipfile.ZipInfo) -> int:
    """The most bytes a member may inflate to before it is taken for a zip bomb."""
    return min(max(MAX_RATIO * member.compress_size, _RATIO_FLOOR), MAX_UNCOMPRESSED_BYTES)


def extract_single(path: Path, into: Path) -> Path:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise FileRejected("DIDP107", "The zip file is damaged and cannot be opened.") from None
    with archive:
        files = [m for m in archive.infolist() if not m.is_dir()]
        members = [m for m in files if not Path(m.filename).name.startswith(("._", "."))]
        if len(members) != 1:
            hidden = len(files) - len(members)
            ignored = f" (besides {hidden} hidden, which are ignored)" if hidden else ""
            raise FileRejected(
                "DIDP107",
                f"The zip file holds {len(members)} files{ignored}; it must hold exactly one "
                "CSV or XML file.",
            )
        member = members[0]
        if member.file_size > MAX_UNCOMPRESSED_BYTES:
            raise FileRejected("DIDP107", "The file inside the zip is too large.")
        target = into / "member"
        allowed = inflation_allowance(member)
        try:
            with archive.open(member) as source, target.open("wb") as sink:
                written = 0
                while chunk := source.read(_COPY):
                    written += len(chunk)
                    if written > allowed:
                        raise FileRejected(
                            "DIDP107",
                            f"The file inside the zip expands to more than {MAX_RATIO} times "
                            f"its compressed size (or past {MAX_UNCOMPRESSED_BYTES >> 30} GiB), "
                            "which no DID extract does: it is refused as a possible zip bomb.",
                        )
                    sink.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
            raise FileRejected(
                "DIDP107", "The file inside the zip cannot be extracted (damaged or encrypted)."
            ) from None
        return target
