#!/usr/bin/env python3
"""Validates recorded exchanges with the control API against its OpenAPI document, with openapi-core.

Usage: validate_answers.py OPENAPI_JSON EXCHANGES_JSONL

Each line of EXCHANGES_JSONL is one request and the daemon's real answer:
  {"method": "POST", "path": "/v1/payments", "query": "limit=5", "headers": {...}, "body": "...",
   "status": 201, "responseHeaders": {...}, "responseBody": "<base64>"}
Prints one line per exchange ("ok" or what is wrong) and exits 1 if any answer or request does not conform.
"""
import base64
import json
import sys
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse


def main() -> int:
    spec_path, exchanges_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as file:
        # Problem documents are JSON and an event stream is text: openapi-core knows neither type by name.
        config = Config(
            extra_media_type_deserializers={
                "application/problem+json": json.loads,
                "text/event-stream": lambda data: data.decode("utf-8"),
            }
        )
        openapi = OpenAPI.from_dict(json.load(file), config=config)
    failures = 0
    with open(exchanges_path, encoding="utf-8") as file:
        exchanges = [json.loads(line) for line in file if line.strip()]
    for exchange in exchanges:
        name = f"{exchange['method']} {exchange['path']} -> {exchange['status']}"
        request_headers = {key.lower(): value for key, value in exchange.get("headers", {}).items()}
        body = exchange.get("body")
        request = MockRequest(
            "http://localhost",
            exchange["method"].lower(),
            exchange["path"],
            args=dict(parse_qsl(exchange.get("query", ""), keep_blank_values=True)),
            headers=request_headers,
            data=body.encode() if body is not None else None,
            content_type=request_headers.get("content-type", "application/json"),
        )
        response_headers = {key.lower(): value for key, value in exchange["responseHeaders"].items()}
        response = MockResponse(
            base64.b64decode(exchange["responseBody"]),
            status_code=exchange["status"],
            headers=response_headers,
            content_type=response_headers.get("content-type", ""),
        )
        problems = []
        if exchange.get("requestConforms", True):
            problems += [("request", error) for error in openapi.iter_request_errors(request)]
        problems += [("answer", error) for error in openapi.iter_response_errors(request, response)]
        for where, error in problems:
            causes = getattr(error.__cause__, "schema_errors", None) or [error.__cause__]
            details = "; ".join(str(cause).splitlines()[0] for cause in causes if cause is not None)
            print(f"FAIL {name}: {where}: {error}" + (f" ({details})" if details else ""))
        if problems:
            failures += 1
        else:
            print(f"ok   {name}")
    print(f"{len(exchanges) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
