#!/usr/bin/env python3
"""Validates recorded API answers against an OpenAPI 3.0 document.

Usage: validate-answers.py SPEC.yml ANSWERS.json
ANSWERS.json is a list of {"method", "path" (the spec's template, e.g. /epayment/v1/payments/{reference}),
"status", "contentType", "body"}. Each answer's body is validated with openapi-schema-validator against the schema
the spec declares for that path, method, status and content type; an answer the spec declares nothing for is an
error too. Prints one line per answer and exits 1 if any fails.
"""
import json
import sys

import yaml
from openapi_schema_validator import OAS30Validator


def main() -> int:
    spec = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
    answers = json.load(open(sys.argv[2], encoding="utf-8"))
    failures = 0
    for answer in answers:
        label = f'{answer["method"]} {answer["path"]} {answer["status"]}'
        try:
            operation = spec["paths"][answer["path"]][answer["method"].lower()]
            response = operation["responses"][str(answer["status"])]
            if "$ref" in response:
                response = resolve(spec, response["$ref"])
            content = response.get("content")
            if content is None:
                if answer["body"] not in (None, ""):
                    raise ValueError("the spec declares no body for this answer")
                print(f"ok   {label} (no body)")
                continue
            media = answer["contentType"].split(";")[0].strip()
            if media == "application/json" and list(content) == ["application/problem+json"] and answer["status"] < 300:
                # A known quirk of the ePayment spec: AdjustResponse (the 200 of capture, refund and cancel) declares
                # its success body as application/problem+json. The body is held to the declared schema all the same.
                media = "application/problem+json"
            if media not in content:
                raise ValueError(f"content type {media} is not one of {sorted(content)}")
            # The schema with the document's components beside it, so its "#/components/..." references resolve.
            schema = dict(content[media]["schema"], components=spec["components"])
            validator = OAS30Validator(schema)
            errors = sorted(validator.iter_errors(answer["body"]), key=lambda e: list(e.path))
            if errors:
                raise ValueError("; ".join(f'{"/".join(map(str, e.path))}: {e.message}' for e in errors[:5]))
            print(f"ok   {label}")
        except (KeyError, ValueError) as error:
            failures += 1
            print(f"FAIL {label}: {error}")
    return 1 if failures else 0


def resolve(spec, ref):
    node = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


if __name__ == "__main__":
    sys.exit(main())
