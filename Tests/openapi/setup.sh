#!/bin/sh
# Installs the OpenAPI tools the tests run against the control API (openapi-core, schemathesis; pinned in
# requirements.txt) from PyPI into a virtual environment in .build/openapi-venv. Quick when they are already there.
set -eu
cd "$(dirname "$0")/../.."
venv=.build/openapi-venv
if [ ! -x "$venv/bin/python3" ]; then
    mkdir -p .build
    python3 -m venv "$venv"
fi
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check -r Tests/openapi/requirements.txt
