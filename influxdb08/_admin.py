"""Administration methods of the 0.8 client: databases, series, continuous queries, users.

Kept apart from the transport in :mod:`influxdb08.client`; every method here is one 0.8
HTTP endpoint (0.8 HTTP API, "Administration & Security") or one 0.8 query.
"""

from __future__ import annotations

import warnings
from typing import Any, NoReturn, Optional, Protocol, Sequence

import requests

from influxdb08._util import path_segment

__all__: list[str] = []


class _Client(Protocol):
    """What the mixin needs from :class:`influxdb08.client.InfluxDBClient`."""

    _database: Optional[str]
    _username: Optional[str]
    _password: Optional[str]

    def request(
        self,
        url: str,
        method: str = ...,
        params: Optional[dict[str, Any]] = ...,
        data: Any = ...,
        expected_response_code: int = ...,
    ) -> requests.Response: ...

    def _query(self, query: str, time_precision: str = ..., chunked: bool = ...) -> Any: ...

    def alter_database_admin(self, username: str, is_admin: bool) -> bool: ...

    def alter_database_user(
        self,
        username: str,
        password: Optional[str] = ...,
        permissions: Optional[Sequence[str]] = ...,
    ) -> bool: ...

    def get_list_database(self) -> Any: ...


def _not_in_08(what: str) -> NoReturn:
    # The 0.8 server registers no endpoint for these (api/http/api.go); 5.3.2 raised a
    # bare NotImplementedError.
    raise NotImplementedError(f"{what} is not supported by the InfluxDB 0.8 HTTP API")


def _permission_fields(permissions: Sequence[str]) -> dict[str, str]:
    try:
        read_from, write_to = permissions
    except (ValueError, TypeError):
        raise TypeError("'permissions' must be (readFrom, writeTo) tuple") from None
    return {"readFrom": read_from, "writeTo": write_to}


class _AdminMixin:
    """Database, series, continuous-query and user methods (see :class:`InfluxDBClient`)."""

    _database: Optional[str]
    _username: Optional[str]
    _password: Optional[str]

    # Scheduled deletes ----------------------------------------------------------------

    def create_scheduled_delete(self, json_body: Any) -> NoReturn:
        """Not available in InfluxDB 0.8.

        :raises NotImplementedError: always
        """
        _not_in_08("create_scheduled_delete")

    def get_list_scheduled_delete(self) -> NoReturn:
        """Not available in InfluxDB 0.8.

        :raises NotImplementedError: always
        """
        _not_in_08("get_list_scheduled_delete")

    def remove_scheduled_delete(self, delete_id: Any) -> NoReturn:
        """Not available in InfluxDB 0.8.

        :raises NotImplementedError: always
        """
        _not_in_08("remove_scheduled_delete")

    # Databases and series --------------------------------------------------------------

    def create_database(self: _Client, database: str) -> bool:
        """Create ``database`` (``POST db``, 201; cluster admins only).

        :param database: the name
        :returns: ``True``
        :raises InfluxDBClientError: unless the server answers 201
        """
        self.request(url="db", method="POST", data={"name": database}, expected_response_code=201)
        return True

    def delete_database(self: _Client, database: str) -> bool:
        """Drop ``database`` (``DELETE db/<name>``, 204; cluster admins only).

        :param database: the name
        :returns: ``True``
        :raises InfluxDBClientError: unless the server answers 204
        """
        url = f"db/{path_segment(database)}"
        self.request(url=url, method="DELETE", expected_response_code=204)
        return True

    def get_list_database(self: _Client) -> Any:
        """List the databases (``GET db``).

        :returns: the decoded answer, ``[{"name": "db1"}, ...]``
        :raises InfluxDBClientError: unless the server answers 200
        """
        return self.request(url="db", method="GET", expected_response_code=200).json()

    def get_database_list(self: _Client) -> Any:
        """Deprecated alias of :meth:`get_list_database` (emits a ``FutureWarning``)."""
        warnings.warn(
            "get_database_list is deprecated, and will be removed "
            "in future versions. Please use "
            "``InfluxDBClient.get_list_database`` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return self.get_list_database()

    def delete_series(self: _Client, series: str) -> bool:
        """Drop ``series`` of the current database (``DELETE db/<db>/series/<name>``, 204).

        :param series: the series name
        :returns: ``True``
        :raises InfluxDBClientError: unless the server answers 204
        """
        url = f"db/{path_segment(self._database)}/series/{path_segment(series)}"
        self.request(url=url, method="DELETE", expected_response_code=204)
        return True

    def get_list_series(self: _Client) -> list[Any]:
        """Names of the series in the current database (query ``list series``).

        :returns: the names, in the server's order
        """
        response = self._query("list series")
        # The 0.8 answer: [{"name": "list_series_result", "columns": ["time", "name"],
        # "points": [[0, "series"], ...]}].
        if not response:
            return []
        return [row[1] for row in response[0]["points"]]

    def get_list_continuous_queries(self: _Client) -> list[Any]:
        """Texts of the continuous queries of the current database
        (query ``list continuous queries``).

        :returns: the query texts
        """
        response = self._query("list continuous queries")
        # [{"name": "continuous queries", "columns": ["time", "id", "query"], ...}]
        if not response:
            return []
        return [row[2] for row in response[0]["points"]]

    # Cluster admins ---------------------------------------------------------------------

    def get_list_cluster_admins(self: _Client) -> Any:
        """List the cluster admins (``GET cluster_admins``).

        :returns: the decoded answer, ``[{"name": "root"}, ...]``
        """
        return self.request(url="cluster_admins", method="GET", expected_response_code=200).json()

    def add_cluster_admin(self: _Client, new_username: str, new_password: str) -> bool:
        """Create a cluster admin (``POST cluster_admins``).

        :returns: ``True``
        """
        data = {"name": new_username, "password": new_password}
        self.request(url="cluster_admins", method="POST", data=data, expected_response_code=200)
        return True

    def update_cluster_admin_password(self: _Client, username: str, new_password: str) -> bool:
        """Change a cluster admin's password (``POST cluster_admins/<user>``).

        :returns: ``True``
        """
        url = f"cluster_admins/{path_segment(username)}"
        data = {"password": new_password}
        self.request(url=url, method="POST", data=data, expected_response_code=200)
        return True

    def delete_cluster_admin(self: _Client, username: str) -> bool:
        """Remove a cluster admin (``DELETE cluster_admins/<user>``).

        :returns: ``True``
        """
        url = f"cluster_admins/{path_segment(username)}"
        self.request(url=url, method="DELETE", expected_response_code=200)
        return True

    # Database admins --------------------------------------------------------------------

    def set_database_admin(self: _Client, username: str) -> bool:
        """Make ``username`` an admin of the current database.

        :returns: ``True``
        """
        return self.alter_database_admin(username, True)

    def unset_database_admin(self: _Client, username: str) -> bool:
        """Take the admin flag of the current database from ``username``.

        :returns: ``True``
        """
        return self.alter_database_admin(username, False)

    def alter_database_admin(self: _Client, username: str, is_admin: bool) -> bool:
        """Set the admin flag of a database user (``POST db/<db>/users/<user>``,
        ``{"admin": is_admin}``).

        :returns: ``True``
        """
        url = f"db/{path_segment(self._database)}/users/{path_segment(username)}"
        self.request(url=url, method="POST", data={"admin": is_admin}, expected_response_code=200)
        return True

    def get_list_database_admins(self) -> NoReturn:
        """Not available in InfluxDB 0.8 (see :meth:`get_database_users`, ``isAdmin``).

        :raises NotImplementedError: always
        """
        _not_in_08("get_list_database_admins")

    def add_database_admin(self, new_username: str, new_password: str) -> NoReturn:
        """Not available in InfluxDB 0.8 (use :meth:`add_database_user` and
        :meth:`set_database_admin`).

        :raises NotImplementedError: always
        """
        _not_in_08("add_database_admin")

    def update_database_admin_password(self, username: str, new_password: str) -> NoReturn:
        """Not available in InfluxDB 0.8 (use :meth:`update_database_user_password`).

        :raises NotImplementedError: always
        """
        _not_in_08("update_database_admin_password")

    def delete_database_admin(self, username: str) -> NoReturn:
        """Not available in InfluxDB 0.8 (use :meth:`delete_database_user`).

        :raises NotImplementedError: always
        """
        _not_in_08("delete_database_admin")

    # Database users ---------------------------------------------------------------------

    def get_database_users(self: _Client) -> Any:
        """List the users of the current database (``GET db/<db>/users``).

        :returns: the decoded answer, ``[{"name", "isAdmin", "writeTo", "readFrom"}, ...]``
        """
        url = f"db/{path_segment(self._database)}/users"
        return self.request(url=url, method="GET", expected_response_code=200).json()

    def add_database_user(
        self: _Client,
        new_username: str,
        new_password: str,
        permissions: Optional[Sequence[str]] = None,
    ) -> bool:
        """Create a user of the current database (``POST db/<db>/users``).

        :param permissions: ``(readFrom, writeTo)`` regular expressions of series names
        :returns: ``True``
        :raises TypeError: when ``permissions`` is not a pair
        """
        url = f"db/{path_segment(self._database)}/users"
        data: dict[str, Any] = {"name": new_username, "password": new_password}
        if permissions:
            data.update(_permission_fields(permissions))
        self.request(url=url, method="POST", data=data, expected_response_code=200)
        return True

    def update_database_user_password(self: _Client, username: str, new_password: str) -> bool:
        """Change a database user's password.

        :returns: ``True``
        """
        return self.alter_database_user(username, new_password)

    def alter_database_user(
        self: _Client,
        username: str,
        password: Optional[str] = None,
        permissions: Optional[Sequence[str]] = None,
    ) -> bool:
        """Change a database user's password and/or permissions
        (``POST db/<db>/users/<user>``).

        When the user is the client's own user and a password is given, the client
        authenticates with the new password from then on.

        :param password: the new password
        :param permissions: ``(readFrom, writeTo)`` regular expressions of series names
        :returns: ``True``
        :raises ValueError: when neither is given
        :raises TypeError: when ``permissions`` is not a pair
        """
        if not password and not permissions:
            raise ValueError(f"Nothing to alter for user {username}.")
        url = f"db/{path_segment(self._database)}/users/{path_segment(username)}"
        data: dict[str, Any] = {}
        if password:
            data["password"] = password
        if permissions:
            data.update(_permission_fields(permissions))
        self.request(url=url, method="POST", data=data, expected_response_code=200)
        # 5.3.2 also set the client's password to None when only permissions changed.
        if username == self._username and password:
            self._password = password
        return True

    def delete_database_user(self: _Client, username: str) -> bool:
        """Remove a user of the current database (``DELETE db/<db>/users/<user>``).

        :returns: ``True``
        """
        url = f"db/{path_segment(self._database)}/users/{path_segment(username)}"
        self.request(url=url, method="DELETE", expected_response_code=200)
        return True

    def update_permission(self, username: str, json_body: Any) -> NoReturn:
        """Not available in InfluxDB 0.8 (use :meth:`alter_database_user`).

        :raises NotImplementedError: always
        """
        _not_in_08("update_permission")
