"""Write the licences of the locked dependencies into NOTICE.md, from their installed metadata.

Reads requirements.lock (each package, its version and what needs it), looks its licence up in
the metadata of the distribution installed in this environment, and rewrites the table between
the markers in NOTICE.md. A package must be installed at a locked version, so that the licence
is the one of what ships: `pip install --require-hashes -r requirements.lock` first. Packages
that only another platform installs are in OTHER_PLATFORMS. tools/lock.sh runs this.

    python tools/licences.py --write     (or --check: exit 1 if NOTICE.md is out of date)
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
NOTICE = ROOT / "NOTICE.md"
BEGIN = "<!-- dependencies: written by tools/licences.py from requirements.lock -->"
END = "<!-- end of dependencies -->"

# Installed only on other platforms, so not readable here: from each package's own licence file.
OTHER_PLATFORMS = {"colorama": "BSD-3-Clause", "httpx2-jsfetch": "BSD-3-Clause"}
# Licence names that metadata gives in free text, as SPDX identifiers.
SPDX = {
    "Apache License, Version 2.0": "Apache-2.0",
    "Apache License 2.0": "Apache-2.0",
    "Apache 2.0": "Apache-2.0",
    "Apache2.0": "Apache-2.0",
    "PSFL": "PSF-2.0",
    "MIT License": "MIT",
    "BSD 3-Clause": "BSD-3-Clause",
}
CLASSIFIERS = {
    "MIT License": "MIT",
    "Apache Software License": "Apache-2.0",
    "BSD License": "BSD",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0",
    "The Unlicense (Unlicense)": "Unlicense",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


@dataclass
class Locked:
    """One package of the lock: its versions (with their markers) and what needs it."""

    name: str
    versions: list[str] = field(default_factory=list)
    needed_by: list[str] = field(default_factory=list)


def read_lock(text: str) -> dict[str, Locked]:
    """Return the lock's packages by normalised name, in the lock's order."""
    packages: dict[str, Locked] = {}
    current: Locked | None = None
    in_via = False
    for line in text.splitlines():
        pin = PIN.match(line)
        if pin:
            name, version, marker = pin.groups()
            current = packages.setdefault(normalise(name), Locked(name))
            current.versions.append(f"{version} ({marker})" if marker else version)
            in_via = False
            continue
        comment = line.strip()
        if current is None or not comment.startswith("#"):
            continue
        via = comment.removeprefix("#").strip()
        if via.startswith("via"):
            in_via = True
            via = via.removeprefix("via").strip()
        if in_via and via:
            needer = via.split(" (")[0]
            if needer not in current.needed_by:
                current.needed_by.append(needer)
    return packages


def normalise(name: str) -> str:
    """Return a package name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def licence_of(package: Locked) -> str:
    """Return the licence of the installed distribution; raise LookupError if it cannot be read."""
    if normalise(package.name) in OTHER_PLATFORMS:
        return OTHER_PLATFORMS[normalise(package.name)]
    try:
        installed = importlib.metadata.version(package.name)
    except importlib.metadata.PackageNotFoundError:
        raise LookupError(f"{package.name} is not installed") from None
    locked = [version.split(" ")[0] for version in package.versions]
    if installed not in locked:
        raise LookupError(f"{package.name} {installed} is installed, the lock has {', '.join(locked)}")
    metadata = importlib.metadata.metadata(package.name).json
    if metadata.get("license_expression"):
        return str(metadata["license_expression"])
    text = str(metadata.get("license") or "").strip()
    if text and "\n" not in text and len(text) <= 40:
        return SPDX.get(text, text)
    classifiers = metadata.get("classifier") or []
    found = [CLASSIFIERS.get(c.split(" :: ")[-1], "") for c in classifiers]
    found = [name for name in found if name]
    if not found:
        raise LookupError(f"{package.name}: its metadata names no licence; add it to OTHER_PLATFORMS")
    return " OR ".join(dict.fromkeys(found))


def table(packages: dict[str, Locked]) -> str:
    """Return the Markdown table of the packages and their licences."""
    rows = ["| Package | Version | Licence | Needed by |", "| --- | --- | --- | --- |"]
    for package in packages.values():
        versions = ", ".join(package.versions).replace("|", "\\|")
        rows.append(
            f"| {package.name} | {versions} | {licence_of(package)} | {', '.join(package.needed_by)} |"
        )
    return "\n".join(rows)


def with_table(notice: str, rows: str) -> str:
    """Return NOTICE.md's text with the table between the markers replaced."""
    start, end = notice.index(BEGIN) + len(BEGIN), notice.index(END)
    return f"{notice[:start]}\n{rows}\n{notice[end:]}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or check) the dependency table of NOTICE.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the table in NOTICE.md")
    mode.add_argument("--check", action="store_true", help="exit 1 if the table is out of date")
    args = parser.parse_args(argv)
    notice = NOTICE.read_text(encoding="utf-8")
    try:
        updated = with_table(notice, table(read_lock(LOCK.read_text(encoding="utf-8"))))
    except LookupError as error:
        print(
            f"licences: {error}; install the lock first: pip install --require-hashes -r requirements.lock",
            file=sys.stderr,
        )
        return 1
    if args.check:
        print(
            "licences: NOTICE.md is up to date" if updated == notice else "licences: NOTICE.md is out of date"
        )
        return 0 if updated == notice else 1
    NOTICE.write_text(updated, encoding="utf-8")
    print(f"licences: wrote {NOTICE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
