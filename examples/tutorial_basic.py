"""Tutorial: writing points and querying them back with InfluxDBClient."""

from __future__ import annotations

from _common import parse_args

from influxdb import InfluxDBClient


def main(host: str = "localhost", port: int = 8086) -> None:
    dbname = "example"
    query = "SELECT Float_value FROM cpu_load_short"
    query_where = "SELECT Int_value FROM cpu_load_short WHERE host = $host"
    bind_params = {"host": "server01"}
    json_body = [
        {
            "measurement": "cpu_load_short",
            "tags": {"host": "server01", "region": "us-west"},
            "time": "2009-11-10T23:00:00Z",
            "fields": {"Float_value": 0.64, "Int_value": 3, "String_value": "Text",
                       "Bool_value": True},
        }
    ]

    with InfluxDBClient(host, port, "root", "root", dbname) as client:
        print("Create database: " + dbname)
        client.create_database(dbname)

        print("Create a retention policy")
        # Not made the default: the point below is from 2009, far older than 3 days, so a
        # 3-day default policy would make the server drop it ("points beyond retention
        # policy").  The point goes to the database's default policy, autogen.
        client.create_retention_policy("awesome_policy", "3d", 1, default=False)
        print("Retention policies:",
              [rp["name"] for rp in client.get_list_retention_policies(dbname)])

        print("Write points")
        client.write_points(json_body)

        print("Querying data: " + query)
        result = client.query(query)
        print(f"Result: {result}")

        print("Querying data: " + query_where)
        result = client.query(query_where, bind_params=bind_params)
        print(f"Points: {list(result.get_points())}")

        print("Drop database: " + dbname)
        client.drop_database(dbname)


if __name__ == "__main__":
    args = parse_args("Write and query points with InfluxDBClient")
    main(host=args.host, port=args.port)
