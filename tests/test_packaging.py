"""The lock and the licences: what deployments install is pinned, hashed and accounted for.

Offline: pyproject.toml, requirements.lock and NOTICE.md are read as text. After changing the
dependencies in pyproject.toml, run tools/lock.sh (it rewrites the lock and NOTICE.md's table).
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
NOTICE = ROOT / "NOTICE.md"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")
RELOCK = "run tools/lock.sh"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries() -> list[tuple[str, str, str]]:
    """Return (normalised name, version, the entry's text with its hash lines) for every pin."""
    entries: list[tuple[str, str, str]] = []
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        pin = PIN.match(line)
        if pin:
            entries.append((normalise(pin.group(1)), pin.group(2), line))
        elif entries and line.startswith(" "):
            name, version, text = entries[-1]
            entries[-1] = (name, version, f"{text}\n{line}")
    return entries


def locked_versions() -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for name, version, _ in lock_entries():
        versions.setdefault(name, set()).add(version)
    return versions


def runtime_requirements() -> list[Requirement]:
    return [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]


def test_every_runtime_dependency_is_pinned_within_its_range():
    locked = locked_versions()

    for requirement in runtime_requirements():
        name = normalise(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock: {RELOCK}"
        outside = {v for v in locked[name] if not requirement.specifier.contains(v, prereleases=True)}
        assert not outside, f"{requirement.name} {outside} is outside {requirement.specifier}: {RELOCK}"


def test_the_extras_of_a_dependency_are_pinned_too():
    locked = locked_versions()
    asked = [r for r in runtime_requirements() if r.extras]
    assert asked, "no dependency asks for extras: this test has nothing to check"

    for requirement in asked:
        try:
            requires = importlib.metadata.requires(requirement.name) or []
        except importlib.metadata.PackageNotFoundError:
            pytest.skip(f"{requirement.name} is not installed: its extras' requirements are unknown")
        for text in requires:
            needed = Requirement(text)
            by_extra = needed.marker is not None and any(
                needed.marker.evaluate({"extra": extra}) and not needed.marker.evaluate({"extra": ""})
                for extra in requirement.extras
            )
            if by_extra:
                wanted_by = f"{requirement.name}{sorted(requirement.extras)}"
                assert normalise(needed.name) in locked, (
                    f"{needed.name}, for {wanted_by}, is not locked: {RELOCK}"
                )


def test_every_pin_has_its_hashes():
    entries = lock_entries()

    assert len(entries) >= len(runtime_requirements())
    for name, version, text in entries:
        assert HASH.search(text), f"{name}=={version} has no sha256 hash: pip --require-hashes refuses it"


def notice_table() -> dict[str, str]:
    """Return NOTICE.md's dependency table: normalised package name → its Version cell."""
    text = NOTICE.read_text(encoding="utf-8")
    start, end = text.index("<!-- dependencies:"), text.index("<!-- end of dependencies -->")
    rows = [line.split(" | ") for line in text[start:end].splitlines() if line.startswith("| ")]
    return {normalise(cells[0].removeprefix("| ")): cells[1] for cells in rows[2:]}


def test_notice_gives_the_licence_of_every_locked_package_at_its_version():
    table = notice_table()

    for name, version, _ in lock_entries():
        assert name in table, f"NOTICE.md gives no licence for {name}: {RELOCK}"
        assert re.search(rf"(^|, ){re.escape(version)}\b", table[name]), (
            f"NOTICE.md has {name} {table[name]}, the lock {version}: {RELOCK}"
        )
    assert set(table) == set(locked_versions()), "NOTICE.md lists packages that are not in the lock"


def test_notice_accounts_for_every_bundled_article():
    notice = NOTICE.read_text(encoding="utf-8")
    articles = sorted((ROOT / "content").glob("*.md"))

    assert articles
    for article in articles:
        assert f"content/{article.name}" in notice, f"NOTICE.md does not say where {article.name} comes from"


def test_the_licence_files_pyproject_names_exist():
    project = PYPROJECT["project"]

    assert "MIT" in project["license"].split()
    for pattern in project["license-files"]:
        assert list(ROOT.glob(pattern)), f"{pattern}: no such file, and the wheel cannot be built"
    assert "Copyright (c) 2026 the article-bot authors" in (ROOT / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("generic", ["bot", "index"])
def test_the_installed_package_takes_no_generic_top_level_name(tmp_path, generic):
    # Outside the checkout (whose folders are on the path when Python starts in it), only the
    # project's own name is importable.
    def imports(module: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", f"import {module}; print({module}.__file__)"]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert imports(f"article_bot.{generic}").returncode == 0
    refused = imports(generic)
    assert refused.returncode != 0 and "ModuleNotFoundError" in refused.stderr
