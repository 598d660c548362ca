"""State and query engine of the InfluxDB 0.8 stub server (no I/O; see ``_server.py``).

Written from the public 0.8 documentation (HTTP API: "Writing Data", "Querying Data",
"Chunked Responses", "Administration & Security") and the 0.8 server's HTTP handler
(``api/http/api.go``): which user may call what, the JSON shapes, the status codes and
the error texts.  Only the part of the 0.8 query language the client sends or a test
needs is understood: ``list series [/re/]``, ``list continuous queries``,
``select <cols|*> from <series|/re/> [into <target>] [limit N] [order asc|desc]``,
``drop series <name>``, ``drop continuous query <id>`` and ``delete from <name>``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

# Microseconds per unit of each time_precision; "" is the server's default (ms).
PRECISION_US = {"u": 1, "m": 1000, "ms": 1000, "s": 1000000, "": 1000}


class StubError(Exception):
    """An error answer: HTTP status and the plain-text body 0.8 sends."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Point:
    time_us: int
    sequence_number: int
    values: dict[str, Any]


@dataclass
class DbUser:
    password: str
    admin: bool = False
    read_from: str = ".*"
    write_to: str = ".*"


@dataclass
class Database:
    series: dict[str, list[Point]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    users: dict[str, DbUser] = field(default_factory=dict)
    continuous_queries: dict[int, str] = field(default_factory=dict)


@dataclass
class Principal:
    """Who a request authenticated as."""

    name: str
    cluster_admin: bool
    user: Optional[DbUser] = None

    @property
    def db_admin(self) -> bool:
        return self.cluster_admin or bool(self.user and self.user.admin)


def precision_us(value: str) -> int:
    if value not in PRECISION_US:
        raise StubError(400, f"Unknown time precision {value}")
    return PRECISION_US[value]


def _go_type(value: Any) -> str:
    # What Go's %T prints for a decoded JSON value.
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "<nil>"
    if isinstance(value, list):
        return "[]interface {}"
    return "map[string]interface {}"


def _reject_constant(name: str) -> Any:
    # Go's encoding/json has no NaN or Infinity.
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_LIST_SERIES = re.compile(r"^list\s+series(?:\s+/(?P<re>.*)/)?$", re.I)
_LIST_CQS = re.compile(r"^list\s+continuous\s+queries$", re.I)
_DROP_CQ = re.compile(r"^drop\s+continuous\s+query\s+(?P<id>\d+)$", re.I)
_DROP_SERIES = re.compile(r"^drop\s+series\s+(?P<name>\"[^\"]+\"|\S+)$", re.I)
_DELETE = re.compile(r"^delete\s+from\s+(?P<name>\"[^\"]+\"|\S+)$", re.I)
_SELECT = re.compile(
    r"^select\s+(?P<cols>.+?)\s+from\s+(?P<src>/[^/]*/|\"[^\"]+\"|\S+)"
    r"(?:\s+into\s+(?P<into>\S+))?(?:\s+limit\s+(?P<limit>\d+))?"
    r"(?:\s+order\s+(?P<order>asc|desc))?$",
    re.I,
)


def _name(token: str) -> str:
    return token[1:-1] if token.startswith('"') else token


class State:
    """Everything the stub server stores; callers hold ``lock`` (see ``_server.py``)."""

    def __init__(self, now_us: Optional[Callable[[], int]] = None) -> None:
        self.cluster_admins: dict[str, str] = {"root": "root"}
        self.databases: dict[str, Database] = {}
        self.next_sequence = 1
        self.next_cq_id = 1
        self.now_us = now_us or (lambda: time.time_ns() // 1000)

    # Authentication (api.go: tryAsClusterAdmin, tryAsDbUserAndClusterAdmin) -------------

    def as_cluster_admin(self, username: str, password: str) -> Principal:
        if not username:
            raise StubError(401, "Invalid database/username/password")
        if self.cluster_admins.get(username) != password:
            raise StubError(401, "Invalid username/password")
        return Principal(username, cluster_admin=True)

    def as_db_user_or_admin(self, db: str, username: str, password: str) -> Principal:
        if not username:
            raise StubError(401, "Invalid database/username/password")
        database = self.databases.get(db)
        user = database.users.get(username) if database else None
        if user is not None and user.password == password:
            return Principal(username, cluster_admin=False, user=user)
        return self.as_cluster_admin(username, password)

    # Databases -------------------------------------------------------------------------

    def database(self, name: str) -> Database:
        if name not in self.databases:
            raise StubError(400, f"Database {name} doesn't exist")
        return self.databases[name]

    def create_database(self, name: str) -> None:
        if not name:
            raise StubError(400, "Unable to create database without name")
        if name in self.databases:
            raise StubError(409, f"database {name} exists")
        self.databases[name] = Database()

    def drop_database(self, name: str) -> None:
        self.database(name)
        del self.databases[name]

    # Cluster admins and database users (api.go: *ClusterAdmin*, *DbUser*) ---------------

    def cluster_admin_list(self) -> list[dict[str, Any]]:
        return [{"name": name} for name in sorted(self.cluster_admins)]

    def add_cluster_admin(self, body: dict[str, Any]) -> None:
        name, password = body.get("name", ""), body.get("password", "")
        if not name:
            raise StubError(400, "Username cannot be empty")
        if name in self.cluster_admins:
            raise StubError(400, f"User {name} already exists")
        self.cluster_admins[name] = password

    def update_cluster_admin(self, name: str, body: dict[str, Any]) -> None:
        if name not in self.cluster_admins:
            raise StubError(400, f"Invalid user name {name}")
        self.cluster_admins[name] = body.get("password", "")

    def delete_cluster_admin(self, name: str) -> None:
        if self.cluster_admins.pop(name, None) is None:
            raise StubError(400, f"User {name} doesn't exist")

    @staticmethod
    def _require_admin(who: Principal) -> None:
        if not who.db_admin:
            raise StubError(403, "Insufficient permissions")

    @staticmethod
    def user_detail(name: str, user: DbUser) -> dict[str, Any]:
        return {
            "name": name,
            "isAdmin": user.admin,
            "writeTo": user.write_to,
            "readFrom": user.read_from,
        }

    def db_users(self, db: str, who: Principal) -> list[dict[str, Any]]:
        self._require_admin(who)
        users = self.database(db).users
        return [self.user_detail(name, users[name]) for name in sorted(users)]

    def db_user(self, db: str, who: Principal, name: str) -> dict[str, Any]:
        self._require_admin(who)
        user = self.database(db).users.get(name)
        if user is None:
            raise StubError(400, f"Invalid username {name}")
        return self.user_detail(name, user)

    def create_db_user(self, db: str, who: Principal, body: dict[str, Any]) -> None:
        self._require_admin(who)
        users = self.database(db).users
        name = body.get("name", "")
        read_from, write_to = body.get("readFrom", ""), body.get("writeTo", "")
        if (read_from or write_to) and not (read_from and write_to):
            raise StubError(400, "You have to provide read and write permissions")
        if not name:
            raise StubError(400, "Username cannot be empty")
        if name in users:
            raise StubError(400, f"User {name} already exists")
        users[name] = DbUser(
            password=body.get("password", ""),
            admin=bool(body.get("isAdmin", False)),
            read_from=read_from or ".*",
            write_to=write_to or ".*",
        )

    def update_db_user(self, db: str, who: Principal, name: str, body: dict[str, Any]) -> None:
        users = self.database(db).users
        # A user may change its own password; everything else needs an admin.
        if not (who.user is not None and who.name == name and set(body) <= {"password"}):
            self._require_admin(who)
        user = users.get(name)
        if user is None:
            raise StubError(400, f"Invalid username {name}")
        if "password" in body:
            if not isinstance(body["password"], str):
                raise StubError(400, "password must be string")
            user.password = body["password"]
        if "readFrom" in body:
            if "writeTo" not in body:
                raise StubError(400, "Changing permissions requires passing readFrom and writeTo")
            user.read_from, user.write_to = body["readFrom"], body["writeTo"]
        if "admin" in body:
            if not isinstance(body["admin"], bool):
                raise StubError(400, "admin must be boolean")
            user.admin = body["admin"]

    def delete_db_user(self, db: str, who: Principal, name: str) -> None:
        self._require_admin(who)
        if self.database(db).users.pop(name, None) is None:
            raise StubError(400, f"User {name} doesn't exist")

    # Writing (common.ConvertToDataStoreSeries) ------------------------------------------

    def write(self, db: str, who: Principal, body: bytes, precision: str) -> None:
        factor = precision_us(precision)
        database = self.database(db)
        try:
            decoded = json.loads(body, parse_constant=_reject_constant)
        except ValueError as exc:
            raise StubError(400, str(exc)) from None
        if not isinstance(decoded, list) or not all(isinstance(s, dict) for s in decoded):
            raise StubError(
                400, "json: cannot unmarshal into Go value of type []*common.SerializedSeries"
            )
        converted = [self._convert(s, factor) for s in decoded if s.get("points")]
        for name, _columns, _points in converted:
            if who.user is not None and not re.search(who.user.write_to, name):
                raise StubError(403, f"Insufficient permissions to write to {name}")
        for name, columns, points in converted:
            known = database.columns.setdefault(name, [])
            known.extend(c for c in columns if c not in known and c not in _BUILTIN)
            stored = database.series.setdefault(name, [])
            for point in points:
                self._store(stored, point)

    def _convert(self, series: dict[str, Any], factor: int) -> tuple[str, list[str], list[Point]]:
        name, columns = series.get("name"), series.get("columns") or []
        if not isinstance(name, str) or not name:
            raise StubError(400, "Series name cannot be empty")
        if len(set(columns)) != len(columns):
            raise StubError(400, "Cannot have duplicate field names")
        points = []
        for raw in series["points"]:
            if not isinstance(raw, list) or len(raw) != len(columns):
                raise StubError(400, "invalid payload")
            moment, sequence, values = None, None, {}
            for column, value in zip(columns, raw):
                if column in _BUILTIN:
                    if not _number(value):
                        raise StubError(
                            400,
                            f"{column} field must be float but is {_go_type(value)} ({value})",
                        )
                    if column == "time":
                        moment = int(value) * factor  # Go: int64(f), then scaled
                    else:
                        sequence = int(value)
                elif value is None or isinstance(value, (str, bool)) or _number(value):
                    values[column] = value
                else:
                    raise StubError(400, f"Unknown type {_go_type(value)}")
            if moment is None:
                moment = self.now_us()
            points.append(Point(moment, sequence if sequence is not None else -1, values))
        return name, columns, points

    def _store(self, stored: list[Point], point: Point) -> None:
        if point.sequence_number >= 0:
            for existing in stored:
                key = (existing.time_us, existing.sequence_number)
                if key == (point.time_us, point.sequence_number):
                    existing.values.update(point.values)  # "Updating Points"
                    return
        else:
            point.sequence_number = self.next_sequence
            self.next_sequence += 1
        stored.append(point)

    # Queries ---------------------------------------------------------------------------

    def query(self, db: str, who: Principal, text: str, precision: str) -> list[dict[str, Any]]:
        factor = precision_us(precision)
        database = self.database(db)
        q = text.strip().rstrip(";").strip()
        match = _LIST_SERIES.match(q)
        if match:
            names = sorted(database.series)
            if match.group("re") is not None:
                names = [n for n in names if re.search(match.group("re"), n)]
            points = [[0, n] for n in names]
            return [{"name": "list_series_result", "columns": ["time", "name"], "points": points}]
        if _LIST_CQS.match(q):
            points = [[0, i, cq] for i, cq in sorted(database.continuous_queries.items())]
            columns = ["time", "id", "query"]
            return [{"name": "continuous queries", "columns": columns, "points": points}]
        match = _DROP_CQ.match(q)
        if match:
            if not who.db_admin:
                raise StubError(403, "Insufficient permissions to drop continuous query")
            if database.continuous_queries.pop(int(match.group("id")), None) is None:
                raise StubError(400, f"Continuous query {match.group('id')} doesn't exist")
            return []
        match = _DROP_SERIES.match(q) or _DELETE.match(q)
        if match:
            self.drop_series(database, _name(match.group("name")))
            return []
        match = _SELECT.match(q)
        if match is None:
            token = q.split()[0] if q.split() else "end of query"
            raise StubError(400, f"Error at 1:0. syntax error, unexpected {token}")
        if match.group("into"):
            if not who.db_admin:
                raise StubError(403, "Insufficient permissions to create continuous query")
            database.continuous_queries[self.next_cq_id] = q
            self.next_cq_id += 1
            return []
        return self._select(database, who, match, factor)

    def drop_series(self, database: Database, name: str) -> None:
        if name not in database.series:
            raise StubError(400, f"Couldn't find series: {name}")
        del database.series[name]
        del database.columns[name]

    def _select(
        self, database: Database, who: Principal, match: re.Match[str], factor: int
    ) -> list[dict[str, Any]]:
        source = match.group("src")
        if source.startswith("/"):
            names = [n for n in sorted(database.series) if re.search(source[1:-1], n)]
        else:
            names = [_name(source)]
            if names[0] not in database.series:
                raise StubError(400, f"Couldn't find series: {names[0]}")
        wanted = [c.strip() for c in match.group("cols").split(",")]
        result = []
        for name in names:
            if who.user is not None and not re.search(who.user.read_from, name):
                raise StubError(403, f"Insufficient permissions to read from {name}")
            columns = list(database.columns[name]) if wanted == ["*"] else wanted
            descending = (match.group("order") or "desc").lower() == "desc"
            points = sorted(
                database.series[name],
                key=lambda p: (p.time_us, p.sequence_number),
                reverse=descending,
            )
            if match.group("limit"):
                points = points[: int(match.group("limit"))]
            rows = [
                [p.time_us // factor, p.sequence_number] + [p.values.get(c) for c in columns]
                for p in points
            ]
            result.append(
                {"name": name, "columns": ["time", "sequence_number", *columns], "points": rows}
            )
        return result


_BUILTIN = ("time", "sequence_number")
