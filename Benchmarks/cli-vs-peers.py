#!/usr/bin/env python3
"""Whole-process time and peak memory of qrpayctl against the tools a shell user would reach for instead.

  qrpayctl health        vs  curl --unix-socket SOCKET http://localhost/v1/health
  qrpayctl qr URL -o F   vs  qrencode -o F URL          (the same picture from the same two C libraries)

Each pair runs alternately, RUNS times, after a warm-up; the medians and their ratio are printed, with the binaries'
sizes. The daemon answering `health` is `qrpayd --demo` from the same build directory, on a private socket.

Usage: Benchmarks/cli-vs-peers.py [BUILD_DIRECTORY (default .build/release)] [RUNS (default 200)]
Needs: curl and qrencode (apt-get install curl qrencode), and a build of qrpayctl and qrpayd in BUILD_DIRECTORY
(swift build -c release --static-swift-stdlib --product P for P in qrpayctl, qrpayctl-commands and qrpayd; or
QRPAYD=path to any qrpayd). qrpayctl draws `qr` itself and runs qrpayctl-commands, beside it, for `health`.
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

URL = "https://qr.vipps.no/r/DI5bjNA0"


def run(argv):
    """Wall time (ms) and peak resident memory (MiB) of one whole process."""
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ])
    _, status, usage = os.wait4(pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss / 1024


def compare(name, ours, peer, runs):
    for _ in range(5):
        run(ours)
        run(peer)
    samples = {"ours": [], "peer": []}
    for _ in range(runs):
        samples["ours"].append(run(ours))
        samples["peer"].append(run(peer))
    ours_ms = statistics.median(s[0] for s in samples["ours"])
    peer_ms = statistics.median(s[0] for s in samples["peer"])
    ours_mib = statistics.median(s[1] for s in samples["ours"])
    peer_mib = statistics.median(s[1] for s in samples["peer"])
    print(f"| {name} | {ours_ms:.2f} ms, {ours_mib:.1f} MiB | {os.path.basename(peer[0])}: {peer_ms:.2f} ms, "
          f"{peer_mib:.1f} MiB | {ours_ms / peer_ms:.2f}x time, {ours_mib / peer_mib:.2f}x memory |")


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    qrpayctl = os.path.join(build, "qrpayctl")
    # The daemon only answers `health`; any build of it will do (QRPAYD=path to choose one).
    qrpayd = os.environ.get("QRPAYD", os.path.join(build, "qrpayd"))
    with tempfile.TemporaryDirectory() as scratch:
        sock = os.path.join(scratch, "control.sock")
        daemon = subprocess.Popen(
            [qrpayd, "--demo", "--control-socket", sock, "--display-port", "0",
             "--state-directory", os.path.join(scratch, "state")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.socket(socket.AF_UNIX) as probe:
                        probe.connect(sock)
                    break
                except OSError:
                    if daemon.poll() is not None or time.monotonic() > deadline:
                        sys.exit("qrpayd --demo did not start")
                    time.sleep(0.05)
            print(f"{runs} alternating runs each, medians, whole process (spawn to exit)\n")
            print("| command | qrpayctl | peer | ratio |")
            print("|---|---|---|---|")
            compare("health", [qrpayctl, "health", "--socket", sock],
                    ["curl", "-sf", "--unix-socket", sock, "http://localhost/v1/health", "-o", os.devnull], runs)
            png = os.path.join(scratch, "code.png")
            compare("qr (short URL, 10 px/module)", [qrpayctl, "qr", URL, "-o", png, "--module-size", "10"],
                    ["qrencode", "-s", "10", "-l", "M", "-o", png, URL], runs)
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
    print()
    for binary in (qrpayctl, os.path.join(build, "qrpayctl-commands"), os.path.join(build, "qrpayd")):
        if os.path.exists(binary):
            print(f"{binary}: {os.path.getsize(binary) / 1e6:.1f} MB (strip it for the size a package ships)")


if __name__ == "__main__":
    main()
