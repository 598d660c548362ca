"""Administration helpers of :class:`~influxdb.client.InfluxDBClient`.

Each helper is one statement from a named builder in :mod:`influxdb._influxql` (identifiers
and literals always quoted there), sent through :meth:`query`.  Statements that change state
go by POST (InfluxDB 1.6 deprecates state changes sent by GET); statements that carry a
password travel in the POST body, never in a URL.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Optional, Union

from influxdb import _influxql as ql
from influxdb.exceptions import InfluxDBArgumentError

if TYPE_CHECKING:
    from influxdb.resultset import ResultSet

__all__ = ["AdminMixin"]


class AdminMixin:
    """Databases, measurements, series, retention policies, users, privileges and CQs."""

    _database: Optional[str]

    if TYPE_CHECKING:
        def query(self, query: str, params: Any = ..., bind_params: Any = ...,
                  epoch: Any = ..., expected_response_code: int = ...,
                  database: Optional[str] = ..., raise_errors: bool = ...,
                  chunked: bool = ..., chunk_size: int = ..., method: str = ...) -> Any: ...

    def _run(self, statement: str, database: Optional[str] = None) -> ResultSet:
        result = self.query(statement, database=database, method="POST")
        return result  # type: ignore[no-any-return]

    def _read(self, statement: str, database: Optional[str] = None) -> list[dict[str, Any]]:
        return list(self.query(statement, database=database).get_points())

    def _db(self, database: Optional[str], what: str) -> str:
        db = database or self._database
        if db is None:
            # 5.3.2's message and class (an InfluxDBClientError), now also a ValueError.
            raise InfluxDBArgumentError(
                f"{what}() requires a database as a parameter or the client to be using a "
                "database")
        return db

    # -- databases -----------------------------------------------------------------------
    def get_list_database(self) -> list[dict[str, Any]]:
        """The databases: ``[{'name': 'db1'}, ...]``."""
        return self._read(ql.show_databases())

    def create_database(self, dbname: str) -> None:
        """Create a database (no error if it exists)."""
        self._run(ql.create_database(dbname))

    def drop_database(self, dbname: str) -> None:
        """Drop a database (no error if it does not exist)."""
        self._run(ql.drop_database(dbname))

    # -- measurements and series ---------------------------------------------------------
    def get_list_measurements(self) -> list[dict[str, Any]]:
        """The measurements of the client's database: ``[{'name': 'cpu'}, ...]``."""
        return self._read(ql.show_measurements())

    def drop_measurement(self, measurement: str) -> None:
        """Drop a measurement with all its series and points."""
        self._run(ql.drop_measurement(measurement))

    def get_list_series(self, database: Optional[str] = None,
                        measurement: Optional[str] = None,
                        tags: Optional[dict[str, Any]] = None) -> list[str]:
        """Series keys, e.g. ``['cpu,host=a', ...]``.

        :param database: the database (default: the client's)
        :param measurement: only series of this measurement
        :param tags: only series with these tag values
        """
        rs = self.query(ql.show_series(measurement, tags), database=database)
        return list(itertools.chain.from_iterable(p.values() for p in rs.get_points()))

    def delete_series(self, database: Optional[str] = None,
                      measurement: Optional[str] = None,
                      tags: Optional[dict[str, Any]] = None) -> None:
        """Drop series by measurement and/or tag values (all points of those series).

        :raises InfluxDBClientError: when neither ``measurement`` nor ``tags`` is given: the
            bare ``DROP SERIES`` is sent, as by 5.3.2, and the server refuses it (code 400)
        """
        self._run(ql.drop_series(measurement, tags), database=database)

    # -- retention policies --------------------------------------------------------------
    def create_retention_policy(self, name: str, duration: str, replication: Union[int, str],
                                database: Optional[str] = None, default: bool = False,
                                shard_duration: str = "0s") -> None:
        """Create a retention policy.

        :param name: the policy's name
        :param duration: how long data is kept (``'1d'``, ``'52w'``, ``'INF'``)
        :param replication: copies kept (1 on a single server)
        :param database: the database (default: the client's)
        :param default: make it the database's default policy
        :param shard_duration: time range of a shard group (``'0s'``: the server picks)
        """
        db = self._db(database, "create_retention_policy")
        self._run(ql.create_retention_policy(name, duration, replication, db, default,
                                             shard_duration))

    def alter_retention_policy(self, name: str, database: Optional[str] = None,
                               duration: Optional[str] = None,
                               replication: Optional[Union[int, str]] = None,
                               default: Optional[bool] = None,
                               shard_duration: Optional[str] = None) -> None:
        """Change a retention policy; arguments left ``None`` are unchanged."""
        db = self._db(database, "alter_retention_policy")
        self._run(ql.alter_retention_policy(name, db, duration, replication, default,
                                            shard_duration))

    def drop_retention_policy(self, name: str, database: Optional[str] = None) -> None:
        """Drop a retention policy and its data."""
        db = self._db(database, "drop_retention_policy")
        self._run(ql.drop_retention_policy(name, db))

    def get_list_retention_policies(self, database: Optional[str] = None
                                    ) -> list[dict[str, Any]]:
        """Retention policies: ``[{'name', 'duration', 'shardGroupDuration', 'replicaN',
        'default'}, ...]``.

        :raises InfluxDBClientError: when no database is given or set on the client
        """
        db = self._db(database, "get_list_retention_policies")
        return self._read(ql.show_retention_policies(db), database=db)

    # -- users and privileges ------------------------------------------------------------
    def get_list_users(self) -> list[dict[str, Any]]:
        """Users: ``[{'user': 'root', 'admin': True}, ...]``."""
        return self._read(ql.show_users())

    def create_user(self, username: str, password: str, admin: bool = False) -> None:
        """Create a user (the password travels in the request body, never in a URL)."""
        self._run(ql.create_user(username, password, admin))

    def drop_user(self, username: str) -> None:
        """Drop a user."""
        self._run(ql.drop_user(username))

    def set_user_password(self, username: str, password: str) -> None:
        """Change a user's password (sent by POST, in the body; 5.3.2 put it in the URL)."""
        self._run(ql.set_password(username, password))

    def grant_admin_privileges(self, username: str) -> None:
        """Make a user a cluster admin."""
        self._run(ql.grant_admin(username))

    def revoke_admin_privileges(self, username: str) -> None:
        """Take cluster-admin rights from a user."""
        self._run(ql.revoke_admin(username))

    def grant_privilege(self, privilege: str, database: str, username: str) -> None:
        """Grant ``'read'``, ``'write'`` or ``'all'`` on a database to a user."""
        self._run(ql.grant_privilege(privilege, database, username))

    def revoke_privilege(self, privilege: str, database: str, username: str) -> None:
        """Revoke ``'read'``, ``'write'`` or ``'all'`` on a database from a user."""
        self._run(ql.revoke_privilege(privilege, database, username))

    def get_list_privileges(self, username: str) -> list[dict[str, Any]]:
        """A user's privileges: ``[{'database': 'db1', 'privilege': 'READ'}, ...]``."""
        return self._read(ql.show_grants(username))

    # -- continuous queries --------------------------------------------------------------
    def get_list_continuous_queries(self) -> list[dict[str, list[dict[str, Any]]]]:
        """Continuous queries per database: ``[{'db1': [{'name', 'query'}, ...]}, ...]``."""
        rs = self.query(ql.show_continuous_queries())
        return [{key[0]: list(points)} for key, points in rs.items()]

    def create_continuous_query(self, name: str, select: str,
                                database: Optional[str] = None,
                                resample_opts: Optional[str] = None) -> None:
        """Create a continuous query.

        :param name: the CQ's name
        :param select: its ``SELECT ... INTO ... GROUP BY time(...)`` statement
        :param database: the database (default: the client's)
        :param resample_opts: ``'EVERY 10s'``, ``'FOR 2m'`` or both
        """
        db = self._db(database, "create_continuous_query")
        self._run(ql.create_continuous_query(name, select, db, resample_opts))

    def drop_continuous_query(self, name: str, database: Optional[str] = None) -> None:
        """Drop a continuous query."""
        db = self._db(database, "drop_continuous_query")
        self._run(ql.drop_continuous_query(name, db))
