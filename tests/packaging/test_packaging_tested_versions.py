"""What pyproject.toml claims is what tox tests and CI runs (README.rst, "Tested versions").

Every Python from ``requires-python``'s floor to the newest tested has a tox environment that
``make matrix`` runs (3.11 is ``make test``), and the ``oldest`` environment pins the floors of
pandas, numpy, requests and msgpack, not later releases.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
NEWEST_TESTED = (3, 13)
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _floors(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_-]+)>=([0-9.]+)", requirement.split(";")[0].strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def _pythons() -> list[str]:
    match = re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"])
    assert match, PROJECT["requires-python"]
    return [f"py3{minor}" for minor in range(int(match.group(1)), NEWEST_TESTED[1] + 1)]


def _makefile_matrix() -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^MATRIX \?= (\S+)$", text, re.MULTILINE)
    assert match
    return match.group(1).split(",")


def test_every_python_claimed_has_an_environment_ci_runs() -> None:
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    envlist = [e.strip() for e in tox["tox"]["envlist"].split(",")]
    pythons = _pythons()
    assert pythons == ["py39", "py310", "py311", "py312", "py313"]
    assert set(pythons) | {"oldest", "pure"} <= set(envlist)
    # 3.11 is the Python of `make test`, which runs the whole suite
    assert _makefile_matrix() == [p for p in pythons if p != "py311"] + ["oldest", "pure"]
    assert "make matrix" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_oldest_pins_the_declared_floors() -> None:
    floors = _floors(PROJECT["dependencies"])
    floors.update(_floors(PROJECT["optional-dependencies"]["pandas"]))
    assert _floors(PROJECT["optional-dependencies"]["test"])["pandas"] == floors["pandas"]
    pins = {}
    for line in (ROOT / "tests" / "compat" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    assert sorted(pins) == sorted(floors) == ["msgpack", "numpy", "pandas", "requests"]
    for name, floor in floors.items():
        # the floor's own release series, its first release where it has wheels for 3.9
        assert pins[name].split(".")[:2] == floor.split(".")[:2], (name, pins[name], floor)


def test_readme_names_the_tested_versions() -> None:
    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    section = text.split("Tested versions\n---------------\n", 1)[1].split("\n----", 1)[0]
    for env in _makefile_matrix():
        assert f"``{env}``" in section
    pins = (ROOT / "tests" / "compat" / "oldest.txt").read_text(encoding="utf-8")
    for pin in re.findall(r"^\S+==(\S+)$", pins, re.MULTILINE):
        assert pin in section
