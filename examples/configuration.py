"""Building clients from a DSN, from environment variables and from a configuration file.

Every route ends in the same constructor, so each option means the same everywhere; values are
checked when the client is built, and errors name the setting without echoing secrets.
"""

from __future__ import annotations

import os
import tempfile

from _common import parse_args

from influxdb import InfluxDBClient


def describe(label: str, client: InfluxDBClient) -> None:
    # repr() never shows the password or token.
    print(f"{label}: {client!r}")
    print(f"  timeout={client._timeout!r} retries={client._retries!r} "
          f"default_tags={client._default_tags!r}")
    print("  server answered ping:", client.ping() is not None)
    client.close()


def main(host: str = "localhost", port: int = 8086) -> None:
    dbname = "example_config"
    admin = InfluxDBClient(host, port)
    admin.create_database(dbname)

    # 1. A DSN; credentials are percent-decoded ('p%40ss' is 'p@ss').  Keyword arguments win.
    dsn = f"influxdb://reader:p%40ss@{host}:{port}/{dbname}"
    client = InfluxDBClient.from_dsn(dsn, timeout=5)
    print("DSN password decoded:", client._password == "p@ss")
    describe("from_dsn", client)

    # 2. Environment variables (a dict here; os.environ by default).
    environ = {
        "INFLUXDB_URL": f"http://{host}:{port}/{dbname}",
        "INFLUXDB_TIMEOUT": "3,30",
        "INFLUXDB_RETRIES": "5",
        "INFLUXDB_TAG_APP": "example",
        "INFLUXDB_UNRELATED": "ignored",
    }
    describe("from_env", InfluxDBClient.from_env(environ=environ))

    # 3. An ini file (a .toml file is read as TOML).
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "settings.ini")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"[influxdb]\nhost = {host}\nport = {port}\ndatabase = {dbname}\n"
                         "timeout = 10\ndefault_tags = region=eu, app=example\n"
                         "default_time_precision = s\n")
        client = InfluxDBClient.from_config_file(path)
        describe("from_config_file", client)

        # The file's defaults apply to writes: precision 's' and the two tags.
        client.write_points([{"measurement": "cpu", "fields": {"load": 0.5},
                              "time": 1_704_067_200}])
        print("  written:", list(client.query('SELECT * FROM "cpu"').get_points()))

        # A wrong value is reported with the file, section and key at fault.
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("[influxdb]\nport = eighty\npassword = secret\n")
        try:
            InfluxDBClient.from_config_file(path)
        except ValueError as exc:  # a ConfigError, which is a ValueError
            print("Refused:", type(exc).__name__, exc)

    try:
        InfluxDBClient.from_env(environ={"INFLUXDB_URL": "ftp://user:secret@host/db"})
    except ValueError as exc:
        print("Refused:", type(exc).__name__, exc)

    admin.drop_database(dbname)
    admin.close()


if __name__ == "__main__":
    args = parse_args("Build clients from a DSN, the environment and a file")
    main(host=args.host, port=args.port)
