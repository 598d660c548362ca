"""The documentation builds with warnings as errors, as ``make docs`` / ``tox -e docs`` do.

autodoc imports every documented module, so a docstring that is not valid reStructuredText,
a page missing from the table of contents or a reference to a page that does not exist
fails here, with the warning in the message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "html"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        capture_output=True, text=True, timeout=300, cwd=str(ROOT),
    )
    assert done.returncode == 0, done.stderr[-5000:]
    assert done.stderr == ""
    for page in ("index", "quickstart", "api", "migration", "errors", "security",
                 "configuration", "performance", "examples", "changelog"):
        assert (out / f"{page}.html").exists(), page


def test_every_page_is_in_the_toctree() -> None:
    index = (DOCS / "index.rst").read_text(encoding="utf-8")
    pages = sorted(p.stem for p in DOCS.glob("*.rst") if p.stem != "index")
    assert [p for p in pages if f"\n   {p}\n" not in index] == []
