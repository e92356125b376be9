#!/usr/bin/env python3
"""Checks that Package.swift declares exactly what each target imports.

Fails (exit 1) when a Swift target imports a module it does not declare (it would build only because another
dependency happens to bring the module in), or declares a dependency it never imports (it links what it does not
use). A test target may depend on an executable target without importing it: that is how it gets the binary built.

It also keeps the command-line tool lean: nothing qrpayctl-commands links, directly or through its targets, may be the
payment store (GRDB), a server (Hummingbird), the simulator or the daemon; and qrpayctl itself (what a shell starts,
which draws `qr` and hands everything else to qrpayctl-commands) links only the QR renderer.

Usage: check_imports.py [PACKAGE_DIRECTORY]; run by Tests/DaemonTests/ManifestTests.swift.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

# Modules of the toolchain and the platform: never declared in a manifest.
PLATFORM = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl", "Darwin", "Dispatch",
    "Synchronization", "Testing", "XCTest", "_Concurrency", "os", "Android", "WinSDK", "ucrt",
}
IMPORT = re.compile(
    r"^\s*(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_]\w*)", re.M
)


def dependency_name(dependency):
    kind, value = next(iter(dependency.items()))
    return value[0]


# What qrpayctl-commands must never link: each would make a 5 ms command carry the whole daemon.
LEAN_FORBIDDEN = {
    "GRDB", "GRDBSQLite", "Hummingbird", "HummingbirdCore", "VippsSimulator", "PaymentCore", "ControlAPI",
    "CustomerDisplay", "QRPayDaemon", "HTTPListening",
}


# All that qrpayctl may link: its start-up is measured against the qrencode CLI (Benchmarks/cli-vs-peers.py).
FRONT_ALLOWED = {"QRDrawing", "QRRendering", "CQREncode", "CQRPNG", "CPNG"}


def linked(targets, root_target):
    """Every (dependency, chain) root_target links through the package's own targets."""
    seen, stack, found = set(), [(root_target, root_target)], []
    while stack:
        name, path = stack.pop()
        for dependency in targets[name]["dependencies"]:
            dependency_target = dependency_name(dependency)
            found.append((dependency_target, f"{path} -> {dependency_target}"))
            if dependency_target in targets and dependency_target not in seen:
                seen.add(dependency_target)
                stack.append((dependency_target, f"{path} -> {dependency_target}"))
    return found


def main() -> int:
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.getcwd())
    with tempfile.TemporaryDirectory() as scratch:
        manifest = json.loads(
            subprocess.run(
                ["swift", "package", "--package-path", root, "--scratch-path", scratch, "dump-package"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    targets = {target["name"]: target for target in manifest["targets"]}
    executables = {name for name, target in targets.items() if target["type"] == "executable"}
    problems = []
    checked = 0
    for name, target in sorted(targets.items()):
        if target["type"] == "system":
            continue
        default = "Tests" if target["type"] == "test" else "Sources"
        path = os.path.join(root, target.get("path") or os.path.join(default, name))
        imported = set()
        for directory, _, files in os.walk(path):
            for file in files:
                if file.endswith(".swift"):
                    with open(os.path.join(directory, file), encoding="utf-8") as source:
                        imported |= set(IMPORT.findall(source.read()))
        if not imported and not any(f.endswith(".swift") for _, _, fs in os.walk(path) for f in fs):
            continue  # a C target
        checked += 1
        declared = {dependency_name(dependency) for dependency in target["dependencies"]}
        modules = {declared_name.replace("-", "_"): declared_name for declared_name in declared}
        for module in sorted(imported - PLATFORM - set(modules) - {name}):
            problems.append(f"{name} imports {module} but does not declare it")
        for module, declared_name in sorted(modules.items()):
            if module in imported:
                continue
            if target["type"] == "test" and declared_name in executables:
                continue  # built for the tests to run
            problems.append(f"{name} declares {declared_name} but imports nothing of it")
    problems += [f"qrpayctl-commands links {module} ({chain})"
                 for module, chain in linked(targets, "qrpayctl-commands") if module in LEAN_FORBIDDEN]
    problems += [f"qrpayctl links {module} ({chain}); it may link only {', '.join(sorted(FRONT_ALLOWED))}"
                 for module, chain in linked(targets, "qrpayctl") if module not in FRONT_ALLOWED]
    for problem in problems:
        print(problem)
    print(f"{checked} targets checked: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
