"""The package as a user installs it: build the sdist and the wheel, install the wheel into a
fresh virtual environment without pandas, import it, and run an example against a server.

The source tree is copied first, so the build never writes ``build/`` or ``*.egg-info``
into the working tree.  The wheel is built from the sdist (``python -m build`` does that), so
a file missing from the sdist breaks the wheel too.
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from tests._influxd import Influxd

ROOT = Path(__file__).resolve().parents[2]
VERSION_FILE = ROOT / "influxdb" / "_version.py"

#: Never copied into the build tree: environments, caches, build output, VCS data.
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".bench-venv", ".tox", ".run", ".hypothesis", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", "__pycache__", "*.pyc", "*.so", "build", "dist",
    "*.egg-info", "_build",
)


def test_every_package_is_listed_for_setuptools() -> None:
    # setuptools installs the packages pyproject.toml lists; a subpackage left off the list
    # still lands in the wheel as data files (MANIFEST.in grafts the folders), with a warning
    # that it will not in a later setuptools.
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["packages"]
    found = sorted(".".join(init.parent.relative_to(ROOT).parts)
                   for top in ("influxdb", "influxdb08")
                   for init in (ROOT / top).rglob("__init__.py"))
    assert sorted(listed) == found


def _version() -> str:
    namespace: dict[str, str] = {}
    exec(VERSION_FILE.read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def _run(cmd: list[str], cwd: Path, timeout: float = 120,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True, timeout=timeout,
                          env=env)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _clean_env() -> dict[str, str]:
    """The environment without anything that would import this source tree."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    for name in list(env):
        if name.startswith("INFLUXDB_"):
            del env[name]
    return env


def _fresh_venv(path: Path) -> Path:
    """A new virtual environment without pip (fast); this interpreter's pip installs into it
    through ``pip --python``.  Returns its python."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(path)], cwd=path.parent)
    return path / "bin" / "python"


def _pip_install(python: Path, *args: str, cwd: Path) -> None:
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--disable-pip-version-check", *args], cwd=cwd, env=_clean_env(), timeout=240)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """``(sdist, wheel)`` built from a copy of the working tree."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=_IGNORE)
    out = work / "dist"
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], cwd=work,
         timeout=300)
    sdists = sorted(out.glob("*.tar.gz"))
    wheels = sorted(out.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(p.name for p in out.iterdir())
    yield sdists[0], wheels[0]


def _wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))


@pytest.mark.server
@pytest.mark.needs_c  # the wheel carries the built extension
def test_distribution_names_and_version(dist: tuple[Path, Path]) -> None:
    sdist, wheel = dist
    version = _version()
    assert sdist.name == f"influxdb-{version}.tar.gz"
    # The C encoder makes the wheel one for this interpreter and platform.
    python_tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert wheel.name.startswith(f"influxdb-{version}-{python_tag}-{python_tag}-linux_")
    assert wheel.name.endswith(".whl")


@pytest.mark.server
@pytest.mark.needs_c  # the wheel carries the built extension
def test_wheel_contents(dist: tuple[Path, Path]) -> None:
    _, wheel = dist
    names = _wheel_names(wheel)
    assert "influxdb/py.typed" in names
    assert "influxdb08/py.typed" in names
    assert "influxdb/_speedups.pyi" in names
    assert sorted(n for n in names if n.startswith("influxdb/_speedups.")) == sorted([
        "influxdb/_speedups.pyi", f"influxdb/_speedups{sysconfig.get_config_var('EXT_SUFFIX')}"])
    for module in ("influxdb/__init__.py", "influxdb/client.py", "influxdb/dataframe_client.py",
                   "influxdb/influxdb08/__init__.py", "influxdb08/client.py"):
        assert module in names
    # Every module of the source tree, those of the subpackages (folders by role) too.
    source = sorted(path.relative_to(ROOT).as_posix() for top in ("influxdb", "influxdb08")
                    for path in (ROOT / top).rglob("*.py"))
    assert [module for module in source if module not in names] == []
    top_level = {name.split("/", 1)[0] for name in names}
    assert top_level == {"influxdb", "influxdb08", f"influxdb-{_version()}.dist-info"}
    assert [n for n in names if "tests" in n.split("/") or "conftest" in n] == []
    # The C sources stay in the sdist: the wheel holds the built module only.
    assert [n for n in names if n.endswith((".c", ".h")) or "_cext" in n] == []


@pytest.mark.server
def test_wheel_metadata(dist: tuple[Path, Path]) -> None:
    _, wheel = dist
    meta = _wheel_metadata(wheel)
    assert meta["Name"] == "influxdb"
    assert meta["Version"] == _version()
    assert meta["Requires-Python"] == ">=3.9"
    assert sorted(meta.get_all("Provides-Extra") or []) == ["docs", "fastjson", "pandas", "test"]
    requires = meta.get_all("Requires-Dist") or []
    unconditional = sorted(r.split(">")[0].split("=")[0].strip() for r in requires
                           if "extra ==" not in r)
    assert unconditional == ["msgpack", "requests"]
    pandas_extra = [r for r in requires if "pandas" in r and 'extra == "pandas"' in r]
    assert pandas_extra != []


@pytest.mark.server
def test_sdist_contents(dist: tuple[Path, Path]) -> None:
    sdist, _ = dist
    prefix = f"influxdb-{_version()}/"
    with tarfile.open(sdist) as archive:
        names = {name[len(prefix):] for name in archive.getnames() if name.startswith(prefix)}
    # The C extension's sources, each file of influxdb/_cext/ (setup.py compiles them).
    sources = sorted(path.relative_to(ROOT).as_posix()
                     for path in (ROOT / "influxdb" / "_cext").iterdir())
    assert sources == ["influxdb/_cext/encode.c", "influxdb/_cext/module.c",
                       "influxdb/_cext/msgpack.c", "influxdb/_cext/rows.c",
                       "influxdb/_cext/scans.c", "influxdb/_cext/speedups.h"]
    assert sorted(n for n in names if n.startswith("influxdb/_cext/")) == sources
    assert [n for n in names if n.endswith((".c", ".h")) and n not in sources] == []
    for required in ("pyproject.toml", "setup.py", "README.rst",
                     "CHANGELOG.rst", "MANIFEST.in",
                     "influxdb/py.typed", "influxdb08/py.typed", "docs/conf.py",
                     "docs/migration.rst", "examples/tutorial_basic.py",
                     "examples/_common.py", "tests/conftest.py",
                     "tests/examples/expected/tutorial_basic.txt"):
        assert required in names, required
    assert [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".so"))] == []
    assert [n for n in names if n.startswith("docs/_build")] == []


@pytest.mark.server
@pytest.mark.needs_c  # the wheel carries the built extension
def test_wheel_in_a_fresh_venv_without_pandas(
    dist: tuple[Path, Path], tmp_path: Path, influxd_factory: Callable[..., Influxd]
) -> None:
    _, wheel = dist
    python = _fresh_venv(tmp_path / "venv")
    env = _clean_env()
    # The wheel alone, then its two dependencies by name: pandas is not installed.
    _pip_install(python, "--no-deps", str(wheel), cwd=tmp_path)
    _pip_install(python, "requests", "msgpack", cwd=tmp_path)

    probe = (
        "import importlib.util, pathlib, sys\n"
        "import influxdb\n"
        "from influxdb import InfluxDBClient, Point, SeriesHelper\n"
        "import influxdb.dataframe_client, influxdb.influxdb08, influxdb08\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "assert importlib.util.find_spec('pandas') is None, 'pandas installed'\n"
        "root = pathlib.Path(influxdb.__file__).parent\n"
        "assert (root / 'py.typed').exists()\n"
        "from influxdb import line_protocol\n"
        "print(influxdb.__version__, sorted(influxdb.__all__), root.parent.name)\n"
        "print('C encoder:', line_protocol._speedups_built())\n"
        "try:\n"
        "    influxdb.DataFrameClient()\n"
        "except ImportError as exc:\n"
        "    print('DataFrameClient:', type(exc).__name__)\n"
    )
    done = _run([str(python), "-c", probe], cwd=tmp_path, env=env)
    assert done.stdout == (
        f"{_version()} ['DataFrameClient', 'InfluxDBClient', 'SeriesHelper'] site-packages\n"
        "C encoder: True\n"
        "DataFrameClient: ImportError\n"
    )

    # An example, run by the installed package (the script's folder gives it _common.py).
    examples = tmp_path / "examples"
    examples.mkdir()
    for name in ("_common.py", "tutorial_basic.py"):
        shutil.copy(ROOT / "examples" / name, examples / name)
    server = influxd_factory()
    done = _run([str(python), str(examples / "tutorial_basic.py"), "--host", server.host,
                 "--port", str(server.http_port)], cwd=tmp_path, env=env)
    expected = (ROOT / "tests" / "examples" / "expected" / "tutorial_basic.txt").read_text(
        encoding="utf-8")
    assert done.stdout == expected
    assert done.stderr == ""


@pytest.mark.server
def test_sdist_installs_like_pip_install_dot(dist: tuple[Path, Path], tmp_path: Path) -> None:
    """``pip install <sdist>`` builds from source as ``pip install .`` does: same files."""
    sdist, _ = dist
    python = _fresh_venv(tmp_path / "venv")
    env = _clean_env()
    _pip_install(python, "--no-deps", str(sdist), cwd=tmp_path)
    probe = (
        "import importlib.metadata as md\n"
        "files = sorted(str(f) for f in md.files('influxdb'))\n"
        "print('influxdb/py.typed' in files, 'influxdb08/py.typed' in files)\n"
        "print(sorted({f.split('/')[0] for f in files if not f.startswith('..')\n"
        "              and '.dist-info' not in f}))\n"
        "print(sorted(md.metadata('influxdb').get_all('Provides-Extra')))\n"
        "print(md.version('influxdb'))\n"
    )
    done = _run([str(python), "-c", probe], cwd=tmp_path, env=env)
    assert done.stdout == (
        "True True\n"
        "['influxdb', 'influxdb08']\n"
        "['docs', 'fastjson', 'pandas', 'test']\n"
        f"{_version()}\n"
    )


@pytest.mark.server
def test_sdist_builds_without_the_c_encoder(dist: tuple[Path, Path], tmp_path: Path) -> None:
    """``INFLUXDB_PURE_PYTHON=1`` while building (or no compiler) gives the pure-Python
    package, whose encoder writes the same text."""
    sdist, _ = dist
    python = _fresh_venv(tmp_path / "venv")
    build_env = _clean_env()
    build_env["INFLUXDB_PURE_PYTHON"] = "1"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--disable-pip-version-check", "--no-deps", "--no-binary", "influxdb", str(sdist)],
         cwd=tmp_path, env=build_env, timeout=240)
    _pip_install(python, "requests", "msgpack", cwd=tmp_path)
    probe = (
        "import importlib.metadata as md\n"
        "from influxdb import _accel, line_protocol\n"
        "print(_accel.speedups, [f.name for f in md.files('influxdb')\n"
        "                        if f.name.endswith('.so')])\n"
        "point = {'measurement': 'm', 'tags': {'h': 'a b'}, 'fields': {'v': 0.1, 'n': 2},\n"
        "         'time': 3}\n"
        "print(line_protocol.make_lines({'points': [point, point]}), end='')\n"
    )
    done = _run([str(python), "-c", probe], cwd=tmp_path, env=_clean_env())
    assert done.stdout == "None []\nm,h=a\\ b n=2i,v=0.1 3\nm,h=a\\ b n=2i,v=0.1 3\n"
