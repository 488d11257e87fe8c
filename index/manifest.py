"""The manifest of the package's data files: what each one's content must be, checked at load.

Every file in `index/data/` is built by `tools/build_data.py` from pinned inputs, and
`index/data/MANIFEST.json` records its sha256 and what built it from what. A loader asks for a
data file through `Manifest.checked`, which hashes the file the first time it is asked for (only
the files a process actually loads, once each) and refuses one whose content is not the recorded
one: a damaged install or a file changed by hand is a one-line error naming it, never a model
quietly giving other numbers.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from .errors import ArticleBotError

DATA = Path(__file__).resolve().parent / "data"
MANIFEST_FILE = "MANIFEST.json"
REBUILD = "reinstall article-bot, or rebuild the file with tools/build_data.py"


class Manifest:
    """The recorded sha256 of each data file in a folder (names relative to it, "/"-separated)."""

    def __init__(self, folder: Path = DATA):
        """Read folder/MANIFEST.json; raise ArticleBotError if it is missing or damaged."""
        self.folder = folder
        path = folder / MANIFEST_FILE
        try:
            files = json.loads(path.read_text(encoding="utf-8"))["files"]
            self.digests = {name: str(entry["sha256"]) for name, entry in files.items()}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ArticleBotError(f"{path}: cannot read the data manifest ({error})") from None
        self._checked: set[str] = set()

    def sha256(self, name: str) -> str:
        """Return the recorded sha256 of the data file name, without reading the file."""
        try:
            return self.digests[name]
        except KeyError:
            raise ArticleBotError(f"{self.folder / name}: not in {MANIFEST_FILE}; {REBUILD}") from None

    def checked(self, name: str) -> Path:
        """Return the path of the data file name once its content is the recorded one."""
        path = self.folder / name
        if name in self._checked:
            return path
        expected = self.sha256(name)
        try:
            found = file_sha256(path)
        except OSError as error:
            raise ArticleBotError(f"{path}: cannot read it ({error.strerror or error})") from None
        if found != expected:
            raise ArticleBotError(f"{path}: its content is not the one in {MANIFEST_FILE}; {REBUILD}")
        self._checked.add(name)
        return path


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


@lru_cache(maxsize=1)
def bundled() -> Manifest:
    """Return the manifest of the package's own data files, read on first use."""
    return Manifest()
