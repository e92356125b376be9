"""Schemathesis against a running qrpayd's control socket.

Run by Tests/ControlAPITests/OpenAPIConformanceTests.swift with QRPAYD_SOCKET (the Unix socket of a daemon it
started) and QRPAYD_OPENAPI (the document file). Every operation but the endless event stream gets generated
requests, valid and invalid; each answer must have a documented status code and content type and match its schema.
"""
import os
import socket

import requests
import schemathesis
from hypothesis import HealthCheck, settings
from requests.adapters import HTTPAdapter
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool

SOCKET = os.environ["QRPAYD_SOCKET"]
schema = schemathesis.openapi.from_path(os.environ["QRPAYD_OPENAPI"]).exclude(operation_id="streamEvents")


class UnixConnection(HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(SOCKET)


class UnixConnectionPool(HTTPConnectionPool):
    ConnectionCls = UnixConnection


class UnixAdapter(HTTPAdapter):
    """Sends every request of the session to the control socket, whatever the URL's host."""

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        return UnixConnectionPool("localhost")


def unix_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", UnixAdapter())
    return session


SESSION = unix_session()


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("QRPAYD_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_answers_conform(case):
    case.call_and_validate(
        base_url="http://localhost",
        session=SESSION,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
