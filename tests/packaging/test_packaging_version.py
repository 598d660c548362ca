"""The version lives in one place, ``influxdb/_version.py``; everything else reads it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import influxdb

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_reads_the_version_from_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]$', text, re.MULTILINE)
    assert 'version = { attr = "influxdb._version.__version__" }' in text
    assert re.search(r"^version\s*=\s*['\"]", text, re.MULTILINE) is None


def test_changelog_top_entry_is_this_version() -> None:
    text = (ROOT / "CHANGELOG.rst").read_text(encoding="utf-8")
    versions = re.findall(r"^(\d+\.\d+\.\d+)\b.*\n-+$", text, re.MULTILINE)
    assert versions[0] == influxdb.__version__


def test_docs_take_the_version_from_the_package() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        namespace: dict[str, object] = {"__file__": str(ROOT / "docs" / "conf.py")}
        exec((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"), namespace)
    finally:
        sys.path.remove(str(ROOT / "docs"))
    assert namespace["release"] == influxdb.__version__
    assert namespace["version"] == ".".join(influxdb.__version__.split(".")[:2])


def test_version_is_defined_once_in_the_package() -> None:
    version = influxdb.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    holders = sorted(
        str(path.relative_to(ROOT))
        for package in ("influxdb", "influxdb08")
        for path in (ROOT / package).rglob("*.py")
        if f'"{version}"' in path.read_text(encoding="utf-8")
        or f"'{version}'" in path.read_text(encoding="utf-8")
    )
    assert holders == ["influxdb/_version.py"]
