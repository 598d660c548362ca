"""Import surface of the 0.8 client: ``influxdb08`` and its alias ``influxdb.influxdb08``."""

from __future__ import annotations

import importlib
import subprocess
import sys
from unittest import mock

import pytest
import requests
import requests_mock

import influxdb.chunked_json
import influxdb.exceptions
import influxdb08
import influxdb08.client
from influxdb08 import InfluxDBClient
from influxdb08.client import InfluxDBClientError
from tests.influxdb08._server import Stub08Server

SUBMODULES = ["client", "dataframe_client", "helper", "chunked_json"]


def test_public_names() -> None:
    import influxdb.influxdb08 as alias

    assert influxdb08.__all__ == ["DataFrameClient", "InfluxDBClient", "SeriesHelper"]
    assert alias.__all__ == influxdb08.__all__
    for name in influxdb08.__all__:
        assert getattr(alias, name) is getattr(influxdb08, name)


@pytest.mark.parametrize("name", SUBMODULES)
def test_alias_submodule_is_the_real_module(name: str) -> None:
    alias = importlib.import_module(f"influxdb.influxdb08.{name}")
    real = importlib.import_module(f"influxdb08.{name}")
    assert alias is real
    assert sys.modules[f"influxdb.influxdb08.{name}"] is real
    package = importlib.import_module("influxdb.influxdb08")
    assert getattr(package, name) is real


def test_contract_names_of_the_client_module() -> None:
    from influxdb.influxdb08.client import InfluxDBClient as Client
    from influxdb.influxdb08.client import InfluxDBClientError as Error
    from influxdb.influxdb08.client import session
    from influxdb.influxdb08.dataframe_client import DataFrameClient
    from influxdb.influxdb08.helper import SeriesHelper

    assert Client is InfluxDBClient
    assert Error is InfluxDBClientError
    assert isinstance(session, requests.Session)
    assert DataFrameClient is influxdb08.DataFrameClient
    assert SeriesHelper is influxdb08.SeriesHelper


def test_chunked_json_is_the_shared_decoder() -> None:
    from influxdb.influxdb08.chunked_json import loads

    assert loads is influxdb.chunked_json.loads
    assert list(loads('{"a": 1}\n{"b": 2} [3]')) == [{"a": 1}, {"b": 2}, [3]]


def test_import_without_pandas() -> None:
    # A fresh interpreter where pandas cannot be imported.
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "import influxdb08, influxdb.influxdb08\n"
        "from influxdb.influxdb08 import InfluxDBClient, DataFrameClient, SeriesHelper\n"
        "InfluxDBClient()\n"
        "try:\n"
        "    DataFrameClient()\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.startswith('DataFrameClient requires Pandas, "')
    assert out.stdout.rstrip().endswith('" problem importing')


def test_importing_does_not_load_pandas() -> None:
    code = "import sys, influxdb.influxdb08; print('pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout == "False\n"


def test_patching_session_request_through_the_alias(server08: Stub08Server) -> None:
    # The upstream test style: patch ``request`` of the module's session.
    import influxdb.influxdb08.client as alias

    client = InfluxDBClient(server08.host, server08.port, "root", "root", "db")
    real = alias.session.request
    with mock.patch.object(alias.session, "request", side_effect=real) as patched:
        assert client.get_list_database() == [{"name": "db"}]
    patched.assert_called_once_with(
        method="GET",
        url=f"{server08.url}/db",
        params={"u": "root", "p": "root"},
        data=None,
        headers={"Content-type": "application/json", "Accept": "text/plain"},
        verify=False,
        timeout=None,
    )


def test_replacing_the_session_object_through_the_alias() -> None:
    response = requests.Response()
    response.status_code = 200
    response._content = b'[{"name": "x"}]'
    fake = mock.Mock()
    fake.request.return_value = response
    with mock.patch("influxdb.influxdb08.client.session", fake):
        assert InfluxDBClient("h", 1).get_list_database() == [{"name": "x"}]
    assert fake.request.call_args.kwargs["url"] == "http://h:1/db"


def test_requests_mock_still_works() -> None:
    with requests_mock.Mocker() as m:
        m.register_uri("GET", "http://localhost:8086/db", json=[{"name": "m"}])
        assert InfluxDBClient().get_list_database() == [{"name": "m"}]
        assert m.last_request.qs == {"u": ["root"], "p": ["root"]}


def test_error_class_tree() -> None:
    assert issubclass(InfluxDBClientError, influxdb.exceptions.InfluxDBError)
    assert not issubclass(InfluxDBClientError, influxdb.exceptions.InfluxDBClientError)
    assert issubclass(InfluxDBClientError, Exception)
