"""The import rules of the layers (docs/internals.rst, "The layers"), read from the source.

Each module of the ``influxdb`` package is parsed with :mod:`ast` (nothing is imported), and
each of its imports is classified: made when the module is imported (``module``), inside a
function (``lazy``: made on first use), or under ``if TYPE_CHECKING:`` (``typing``: never
made at run time).  The rules:

* I/O libraries are imported by the modules of :data:`IO_MODULES` only, the transports
  (``influxdb._transports``), a declared list that a new importer must join on purpose;
* pandas and numpy are imported by the DataFrame layer only, and lazily by the modules of
  :data:`LAZY_PANDAS` only; no module outside that layer imports it when it is imported;
* no import cycles: every import made at run time (``module`` and ``lazy``) goes down;
* one table per fact: the precisions are ``influxdb._core.times.PRECISION_TABLE`` and the
  consistency values ``influxdb._core.requests.CONSISTENCIES``; no module restates either.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, Optional

import pytest

import influxdb
from influxdb._core.requests import CONSISTENCIES
from influxdb._core.times import PRECISION, PRECISION_TABLE

PACKAGE_DIR = Path(influxdb.__file__).parent

IO_LIBRARIES = frozenset({"requests", "urllib3", "socket", "http", "aiohttp", "httpx"})
NUMERIC_LIBRARIES = frozenset({"pandas", "numpy"})

#: Modules allowed to import an I/O library (at run time or for annotations), and why: the
#: transports alone (at most 4 modules, docs/internals.rst).  A module that starts importing
#: one fails this test.
IO_MODULES = {
    "influxdb._transports.sync": "the sync HTTP transport (requests, urllib3)",
    "influxdb._transports.udp": "the UDP socket",
}
#: The transports' package: its ``__init__`` imports none of them, so that importing it
#: imports no I/O library (each transport is imported by name).
TRANSPORTS_PACKAGE = "influxdb._transports"

#: Modules outside the DataFrame modules that import pandas or numpy inside a function,
#: on first use only (``import influxdb`` stays free of pandas).
LAZY_PANDAS = {
    "influxdb.dataframe_client": "DataFrameClient: pandas when a DataFrame is asked for",
}


#: The DataFrame layer: the package ``influxdb._dataframe`` (the only one that imports pandas
#: and numpy when imported) and the two module paths of ``DataFrameClient``.
DATAFRAME_PACKAGE = "influxdb._dataframe"
DATAFRAME_CLIENTS = frozenset({"influxdb.dataframe_client", "influxdb._dataframe_client"})


def is_dataframe_module(name: str) -> bool:
    """A module of the DataFrame layer (:data:`DATAFRAME_PACKAGE`, :data:`DATAFRAME_CLIENTS`)."""
    return (name == DATAFRAME_PACKAGE or name.startswith(DATAFRAME_PACKAGE + ".")
            or name in DATAFRAME_CLIENTS)


class Import(NamedTuple):
    """One imported module, as written in the source."""

    target: str  # dotted module name (a package-local name resolved to its module)
    kind: str  # 'module', 'lazy' or 'typing'
    line: int


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


MODULES = module_names()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    if node.level:
        base_parts = module.split(".") if is_package else module.split(".")[:-1]
        base_parts = base_parts[: len(base_parts) - node.level + 1]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    # `from influxdb._transports import sync` imports the module influxdb._transports.sync
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
            for alias in node.names]


def imports_of(module: str) -> list[Import]:
    path = MODULES[module]
    return imports_in(module, path.read_text(encoding="utf-8"), path.name == "__init__.py")


def imports_in(module: str, source: str, is_package: bool = False) -> list[Import]:
    tree = ast.parse(source)
    found: list[Import] = []

    def visit(node: ast.AST, kind: str) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, kind, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.extend(Import(target, kind, node.lineno)
                         for target in _resolve(module, is_package, node))
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, "typing")
            for child in node.orelse:
                visit(child, kind)
            return
        inner = "lazy" if kind == "module" and isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else kind
        for grandchild in ast.iter_child_nodes(node):
            visit(grandchild, inner)

    visit(tree, "module")
    return found


IMPORTS = {module: imports_of(module) for module in MODULES}


def importers_of(libraries: frozenset[str], kinds: tuple[str, ...]) -> set[str]:
    return {module for module, imports in IMPORTS.items()
            if any(i.target.split(".")[0] in libraries and i.kind in kinds for i in imports)}


# -- the rules -------------------------------------------------------------------------------
def test_io_libraries_only_in_the_declared_modules() -> None:
    # A module that stops importing one may leave the list; one that starts may not join it
    # unnoticed.
    assert importers_of(IO_LIBRARIES, ("module", "lazy", "typing")) - set(IO_MODULES) == set()


def test_the_transports_package_imports_nothing() -> None:
    assert set(IO_MODULES) <= {m for m in MODULES if _in(m, (TRANSPORTS_PACKAGE,))}
    assert IMPORTS[TRANSPORTS_PACKAGE] == []


#: Modules holding a retry loop: one per transport (docs/internals.rst).  A loop waits
#: (``time.sleep``, ``asyncio.sleep``, passed on or called) or asks the retry policy for a
#: backoff or the core for its decision; ``influxdb._core._retry`` answers and never loops.
RETRY_LOOP_MODULES = {"influxdb._transports.sync": "retrying(): the sync transport's one loop"}


def retry_loop_holders() -> set[str]:
    holders = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "sleep" and isinstance(
                    node.value, ast.Name) and node.value.id in ("time", "asyncio"):
                holders.add(module)
            elif isinstance(node, ast.Call) and module != "influxdb._core._retry":
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if "backoff" in name.lower() or name == "decide":
                    holders.add(module)
    return holders


def test_one_retry_loop_per_transport() -> None:
    assert retry_loop_holders() == set(RETRY_LOOP_MODULES)


def test_pandas_and_numpy_only_in_the_dataframe_layer() -> None:
    at_import = importers_of(NUMERIC_LIBRARIES, ("module",))
    # when imported: the modules of the package alone (the DataFrameClient paths wait for a
    # DataFrame to be asked for)
    assert {m for m in at_import if not is_dataframe_module(m) or m in DATAFRAME_CLIENTS} == set()
    assert DATAFRAME_PACKAGE in at_import
    lazily = importers_of(NUMERIC_LIBRARIES, ("lazy",))
    assert {m for m in lazily if m not in at_import} - set(LAZY_PANDAS) == set()


def reached_at_import(module: str) -> set[str]:
    """The package's modules that importing ``module`` imports (itself included)."""
    seen = {module}
    todo = [module]
    while todo:
        for i in IMPORTS[todo.pop()]:
            if i.kind == "module" and i.target in MODULES and i.target not in seen:
                seen.add(i.target)
                todo.append(i.target)
    return seen


def test_no_module_outside_the_dataframe_layer_imports_it_when_imported() -> None:
    # Directly or through other modules: `import influxdb.client` must not import pandas.
    heavy = importers_of(NUMERIC_LIBRARIES, ("module",))
    offenders = {module: sorted(reached_at_import(module) & heavy) for module in MODULES
                 if not is_dataframe_module(module) and reached_at_import(module) & heavy}
    assert offenders == {}


#: The protocol core (docs/internals.rst, layer 1): requests built and answers read, with no
#: I/O.  Besides the I/O libraries, it imports nothing that sleeps or reads a clock itself.
CORE_PACKAGE = "influxdb._core"
CORE_FORBIDDEN = IO_LIBRARIES | {"time", "threading", "asyncio", "selectors"}
#: What sits above the core: the transports, the clients, and the layer on top of them.
ABOVE_THE_CORE = ("influxdb._transports", "influxdb.client", "influxdb._write_batches",
                  "influxdb.asyncio", "influxdb.dataframe_client", "influxdb._dataframe_client",
                  "influxdb._dataframe", "influxdb.batching", "influxdb._batching",
                  "influxdb.helper", "influxdb.dask")


def _in(module: str, names: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


def core_modules() -> set[str]:
    return {module for module in MODULES if _in(module, (CORE_PACKAGE,))}


def reached_at_run_time(module: str) -> set[str]:
    """The package's modules ``module`` imports at run time, directly or not (itself too)."""
    graph = run_time_graph()
    seen = {module}
    todo = [module]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_core_does_no_io_and_sits_below_the_transports() -> None:
    core = core_modules()
    assert {"influxdb._core", "influxdb._core.answers", "influxdb._core.requests",
            "influxdb._core.times", "influxdb._core.lines", "influxdb._core._retry",
            "influxdb._core.stamps"} <= core
    # Its own imports, of any kind: no I/O library, no clock or sleep of its own...
    assert {(module, i.target) for module in core for i in IMPORTS[module]
            if i.target.split(".")[0] in CORE_FORBIDDEN} == set()
    # ...and nothing of the layers above, directly or through another module.
    assert {(module, above) for module in core for above in reached_at_run_time(module)
            if _in(above, ABOVE_THE_CORE)} == set()
    assert {(module, i.target) for module in core for i in IMPORTS[module]
            if _in(i.target, ABOVE_THE_CORE)} == set()


def run_time_graph() -> dict[str, set[str]]:
    return {module: {i.target for i in imports
                     if i.kind != "typing" and i.target in MODULES and i.target != module}
            for module, imports in IMPORTS.items()}


def find_cycle(graph: dict[str, set[str]]) -> Optional[list[str]]:
    """One import cycle of ``graph`` (its modules in order, the first repeated), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(module: str) -> Optional[list[str]]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = walk(target)
                if cycle is not None:
                    return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = walk(module)
            if cycle is not None:
                return cycle
    return None


def test_no_import_cycles() -> None:
    # Lazy imports count: an import inside a function that closes a circle still ties the
    # two modules together (point <-> _records was one).  Annotation-only imports do not.
    assert find_cycle(run_time_graph()) is None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


SOURCE = """\
import socket
from typing import TYPE_CHECKING
from influxdb import _transports, Point
from . import point
from ._core.times import PRECISION
try:
    import numpy
except ImportError:
    numpy = None
if TYPE_CHECKING:
    import requests
else:
    import json
def f():
    import pandas
    class C:
        from influxdb.point import Point
    return lambda: __import__("x")
"""


def test_the_parser_tells_each_kind_of_import() -> None:
    assert imports_in("influxdb._example", SOURCE) == [
        Import("socket", "module", 1),
        Import("typing", "module", 2),
        Import("influxdb._transports", "module", 3),  # a module of the package
        Import("influxdb", "module", 3),  # a name of the package
        Import("influxdb.point", "module", 4),
        Import("influxdb._core.times", "module", 5),
        Import("numpy", "module", 7),
        Import("requests", "typing", 11),
        Import("json", "module", 13),
        Import("pandas", "lazy", 15),
        Import("influxdb.point", "lazy", 17),
    ]
    assert imports_in("influxdb", "from . import client\n", is_package=True) == [
        Import("influxdb.client", "module", 1)]


SPELLINGS = frozenset(PRECISION)


def _string_keys(node: ast.Dict) -> set[str]:
    return {key.value for key in node.keys
            if isinstance(key, ast.Constant) and isinstance(key.value, str)}


def _literals(module: str) -> Iterator[ast.AST]:
    path = MODULES[module]
    yield from ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))


def test_one_table_of_precisions() -> None:
    # A dict literal keyed by three or more precision spellings restates the table.
    restated = [(module, node.lineno) for module in MODULES for node in _literals(module)
                if isinstance(node, ast.Dict)
                and len(keys := _string_keys(node)) >= 3 and keys <= SPELLINGS]
    assert restated == []


def test_no_module_lists_the_precision_spellings() -> None:
    # A tuple, list or set of three or more precision spellings (the SeriesHelper's and the
    # configuration's lists did) restates the table and misses the spellings added to it.
    # The table's own module names numpy's units that are also precisions.
    listed = [(module, node.lineno) for module in MODULES if module != "influxdb._core.times"
              for node in _literals(module) if isinstance(node, (ast.Tuple, ast.List, ast.Set))
              and len(spellings := {e.value for e in node.elts if isinstance(e, ast.Constant)
                                    and isinstance(e.value, str)}) >= 3
              and spellings <= SPELLINGS]
    assert listed == []


def test_one_tuple_of_consistency_values() -> None:
    holders = [module for module in MODULES for node in _literals(module)
               if isinstance(node, (ast.Tuple, ast.List, ast.Set))
               and {e.value for e in node.elts if isinstance(e, ast.Constant)}
               >= set(CONSISTENCIES)]
    assert holders == ["influxdb._core.requests"]


@pytest.mark.parametrize("spelling, name, nanos, write, epoch", [
    ("n", "n", 1, "n", "ns"),
    ("ns", "n", 1, "n", "ns"),
    ("u", "u", 1_000, "u", "u"),
    ("us", "u", 1_000, "u", "u"),
    ("ms", "ms", 1_000_000, "ms", "ms"),
    ("s", "s", 1_000_000_000, "s", "s"),
    ("m", "m", 60_000_000_000, "m", "m"),
    ("h", "h", 3_600_000_000_000, "h", "h"),
])
def test_the_precision_table(spelling: str, name: str, nanos: int, write: str,
                             epoch: str) -> None:
    row = PRECISION[spelling]
    assert (row.name, row.nanos, row.write, row.epoch) == (name, nanos, write, epoch)
    assert spelling in row.spellings


def test_the_precision_table_has_six_rows_finest_first() -> None:
    assert [row.name for row in PRECISION_TABLE] == ["n", "u", "ms", "s", "m", "h"]
    assert sorted(PRECISION) == ["h", "m", "ms", "n", "ns", "s", "u", "us"]


#: The batching writer and sessions write through the client's declared interface
#: (influxdb.client.WriteClient), never through other private names or getattr().
WRITE_CLIENT_USERS = ("influxdb.batching", "influxdb._batching")


def _client_names_read(module: str) -> set[str]:
    return _client_names_in(MODULES[module].read_text(encoding="utf-8"))


def _client_names_in(source: str) -> set[str]:
    """Private names read off ``client``, ``self.client`` or ``<x>.client`` in ``source``,
    and ``'getattr'`` when getattr() is called on one of them."""
    def is_client(node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id == "client") or (
            isinstance(node, ast.Attribute) and node.attr == "client")

    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and is_client(node.value) \
                and node.attr.startswith("_"):
            names.add(node.attr)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "getattr" and node.args and is_client(node.args[0]):
            names.add("getattr")
    return names


def _write_client_members() -> set[str]:
    from influxdb.client import WriteClient

    return {name for name in vars(WriteClient) if name.startswith("_")
            and not name.startswith("__") and not name.startswith("_abc")
            and name not in ("_is_protocol", "_is_runtime_protocol")}


def test_the_writers_use_only_the_clients_declared_interface() -> None:
    members = _write_client_members()
    assert members == {"_database", "_default_time_precision", "_default_retention_policy",
                       "_default_tags", "_timeout", "_retry_policy", "_use_udp",
                       "_write_url", "_encode_points", "_write_payload", "_udp_send"}
    users = [module for module in MODULES if _in(module, WRITE_CLIENT_USERS)]
    read = {module: sorted(_client_names_read(module) - members) for module in users}
    assert {module: names for module, names in read.items() if names} == {}
    assert _client_names_read("influxdb.batching") >= {"_write_payload", "_udp_send"}


def test_the_interface_check_sees_a_reach_in() -> None:
    source = ("def f(front, client, other):\n    front.client._session\n"
              "    getattr(client, '_x', None)\n    client.write_points\n    other._y\n")
    assert _client_names_in(source) == {"_session", "getattr"}
