"""Users, passwords and privileges on a server with authentication enabled.

Needs an admin user (``--admin-user`` / ``--admin-password``).  Shows the typed errors for a
wrong password (401) and a missing privilege (403); passwords are never printed, and the
statements that carry them travel in the request body, never in a URL.
"""

from __future__ import annotations

from typing import Callable

from _common import parse_args

from influxdb import InfluxDBClient
from influxdb.exceptions import (
    InfluxDBAuthenticationError,
    InfluxDBAuthorizationError,
    InfluxDBClientError,
)

DBNAME = "example_auth"
POINT = {"measurement": "cpu", "tags": {"host": "server01"}, "fields": {"load": 0.5},
         "time": "2024-01-01T00:00:00Z"}


def attempt(label: str, action: Callable[[], object]) -> None:
    """Run ``action`` and print what happened (the exception class and status)."""
    try:
        result = action()
    except InfluxDBClientError as exc:
        print(f"{label}: refused, {type(exc).__name__} (code {exc.code})")
    else:
        print(f"{label}: ok" + ("" if result is None or result is True else f", {result}"))


def main(host: str, port: int, admin_user: str, admin_password: str) -> None:
    admin = InfluxDBClient(host, port, admin_user, admin_password)
    admin.create_database(DBNAME)
    # Passwords with quotes and spaces are quoted for InfluxQL by the client.
    admin.create_user("writer", "it's a 'secret'")
    admin.create_user("reader", "read only")
    admin.grant_privilege("write", DBNAME, "writer")
    admin.grant_privilege("read", DBNAME, "reader")
    users = sorted((u["user"], u["admin"]) for u in admin.get_list_users())
    print("Users:", users)
    print("Privileges of writer:", admin.get_list_privileges("writer"))
    print("Privileges of reader:", admin.get_list_privileges("reader"))

    writer = InfluxDBClient(host, port, "writer", "it's a 'secret'", DBNAME)
    reader = InfluxDBClient(host, port, "reader", "read only", DBNAME)
    query = 'SELECT "load" FROM "cpu"'

    attempt("writer writes", lambda: writer.write_points([POINT]))
    attempt("writer reads", lambda: list(writer.query(query).get_points()))
    attempt("reader reads", lambda: list(reader.query(query).get_points()))
    attempt("reader writes", lambda: reader.write_points([POINT]))
    attempt("reader creates a database", lambda: reader.create_database("other"))

    wrong = InfluxDBClient(host, port, "reader", "not the password", DBNAME)
    attempt("wrong password", lambda: wrong.query(query))
    anonymous = InfluxDBClient(host, port, None, None, DBNAME)  # no credentials at all
    attempt("no credentials", lambda: anonymous.query(query))

    # Catching the typed classes directly:
    try:
        wrong.ping()  # /ping needs no authentication
        wrong.query(query)
    except InfluxDBAuthenticationError:
        print("InfluxDBAuthenticationError is an InfluxDBClientError:",
              issubclass(InfluxDBAuthenticationError, InfluxDBClientError))
    try:
        reader.write_points([POINT])
    except InfluxDBAuthorizationError as exc:
        print("403 message:", exc.content)

    # Changing a password (sent by POST, in the body): the old one stops working.
    admin.set_user_password("reader", "new password")
    attempt("reader with the old password", lambda: reader.query(query))
    reader.switch_user("reader", "new password")
    attempt("reader with the new password", lambda: len(list(reader.query(query).get_points())))

    admin.revoke_privilege("read", DBNAME, "reader")
    attempt("reader after revoke", lambda: reader.query(query))

    admin.grant_admin_privileges("reader")
    attempt("reader as admin lists databases",
            lambda: sorted(d["name"] for d in reader.get_list_database()))
    admin.revoke_admin_privileges("reader")
    attempt("reader no longer admin", lambda: reader.get_list_database())

    for user in ("writer", "reader"):
        admin.drop_user(user)
    admin.drop_database(DBNAME)
    print("Users left:", sorted(u["user"] for u in admin.get_list_users()))
    for client in (admin, writer, reader, wrong, anonymous):
        client.close()


if __name__ == "__main__":
    args = parse_args("Users, passwords and privileges (needs an auth-enabled server)",
                      auth=True)
    main(args.host, args.port, args.admin_user, args.admin_password)
