"""The public surface: names, module paths, and the 5.3.2 contract's signatures and defaults."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import influxdb
from influxdb import InfluxDBClient


def test_all_is_the_contract() -> None:
    assert influxdb.__all__ == ["DataFrameClient", "InfluxDBClient", "SeriesHelper"]
    assert influxdb.__version__ == "5.4.0"


@pytest.mark.parametrize("name", [
    "InfluxDBClient", "DataFrameClient", "SeriesHelper", "ResultSet", "Point", "BatchWriter",
    "Session", "Retry", "InfluxDBError", "InfluxDBClientError", "InfluxDBServerError"])
def test_public_names_resolve(name: str) -> None:
    assert getattr(influxdb, name).__name__ == name


@pytest.mark.parametrize("module,names", [
    ("influxdb.client", ["InfluxDBClient", "_parse_dsn", "_parse_netloc",
                         "_msgpack_parse_hook", "_SocketOptionsAdapter"]),
    ("influxdb.resultset", ["ResultSet"]),
    ("influxdb.exceptions", ["InfluxDBClientError", "InfluxDBServerError"]),
    ("influxdb.line_protocol", ["make_line", "make_lines", "quote_ident", "quote_literal",
                                "EPOCH", "_escape_tag", "_escape_tag_value", "_escape_value",
                                "_convert_timestamp", "_to_nanos", "_get_unicode",
                                "_is_float"]),
    ("influxdb.dataframe_client", ["DataFrameClient"]),
    ("influxdb._dataframe_client", ["DataFrameClient"]),
    ("influxdb.helper", ["SeriesHelper"]),
    ("influxdb.chunked_json", ["loads"]),
    ("influxdb.influxdb08", ["InfluxDBClient", "DataFrameClient", "SeriesHelper"]),
    ("influxdb.influxdb08.client", ["InfluxDBClient", "InfluxDBClientError", "session"]),
])
def test_contract_module_paths(module: str, names: list[str]) -> None:
    mod = __import__(module, fromlist=names)
    for name in names:
        assert hasattr(mod, name), f"{module}.{name}"


SIGNATURES = {
    "__init__": "(self, host='localhost', port=8086, username='root', password='root', "
                "database=None, ssl=False, verify_ssl=False, timeout=None, retries=3, "
                "use_udp=False, udp_port=4444, proxies=None, pool_size=10, path='', cert=None, "
                "gzip=False, session=None, headers=None, socket_options=None, *, token=None, "
                "default_time_precision=None, default_retention_policy=None, default_tags=None, "
                "create_database_if_missing=False, deadline=None, "
                "max_document_size=2147483648)",
    "request": "(self, url, method='GET', params=None, data=None, stream=False, "
               "expected_response_code=200, headers=None)",
    "write": "(self, data, params=None, expected_response_code=204, protocol='json')",
    "write_points": "(self, points, time_precision=None, database=None, retention_policy=None, "
                    "tags=None, batch_size=None, protocol='json', consistency=None, *, "
                    "record_measurement=None, record_measurement_key=None, record_tag_keys=None, "
                    "record_field_keys=None, record_time_key=None, record_time_precision=None)",
    "query": "(self, query, params=None, bind_params=None, epoch=None, "
             "expected_response_code=200, database=None, raise_errors=True, chunked=False, "
             "chunk_size=0, method='GET', *, deadline=None)",
    "send_packet": "(self, packet, protocol='json', time_precision=None)",
    "ping": "(self)",
    "close": "(self)",
    "switch_database": "(self, database)",
    "switch_user": "(self, username, password)",
    "get_list_database": "(self)",
    "create_database": "(self, dbname)",
    "drop_database": "(self, dbname)",
    "get_list_measurements": "(self)",
    "drop_measurement": "(self, measurement)",
    "get_list_series": "(self, database=None, measurement=None, tags=None)",
    "delete_series": "(self, database=None, measurement=None, tags=None)",
    "create_retention_policy": "(self, name, duration, replication, database=None, "
                               "default=False, shard_duration='0s')",
    "alter_retention_policy": "(self, name, database=None, duration=None, replication=None, "
                              "default=None, shard_duration=None)",
    "drop_retention_policy": "(self, name, database=None)",
    "get_list_retention_policies": "(self, database=None)",
    "get_list_users": "(self)",
    "create_user": "(self, username, password, admin=False)",
    "drop_user": "(self, username)",
    "set_user_password": "(self, username, password)",
    "grant_admin_privileges": "(self, username)",
    "revoke_admin_privileges": "(self, username)",
    "grant_privilege": "(self, privilege, database, username)",
    "revoke_privilege": "(self, privilege, database, username)",
    "get_list_privileges": "(self, username)",
    "get_list_continuous_queries": "(self)",
    "create_continuous_query": "(self, name, select, database=None, resample_opts=None)",
    "drop_continuous_query": "(self, name, database=None)",
}


def _plain(sig: inspect.Signature) -> str:
    return str(sig.replace(parameters=[p.replace(annotation=inspect.Parameter.empty)
                                       for p in sig.parameters.values()],
                           return_annotation=inspect.Signature.empty))


@pytest.mark.parametrize("method,expected", sorted(SIGNATURES.items()))
def test_client_signatures(method: str, expected: str) -> None:
    assert _plain(inspect.signature(getattr(InfluxDBClient, method))) == expected


def test_from_dsn_is_a_classmethod() -> None:
    assert isinstance(inspect.getattr_static(InfluxDBClient, "from_dsn"), classmethod)


def test_import_never_loads_pandas() -> None:
    code = ("import sys, influxdb, influxdb.client, influxdb.dataframe_client, influxdb.helper, "
            "influxdb.influxdb08; from influxdb import DataFrameClient, SeriesHelper; "
            "print('pandas' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout == "False False\n"
