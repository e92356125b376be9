#!/usr/bin/env python3
"""A local user who does not mean well, for the system test: opens many idle TCP connections and many `/events`
subscribers to one loopback port and holds them until told to let go.

    flood.py PORT IDLE EVENTS HOLD_SECONDS

Opens IDLE connections that send nothing and EVENTS connections that ask for `/events` (with the right Host, so they
are real subscribers as far as the server can tell) and never read. Prints "holding A idle and B events
connections" once every connection has been made (how many the server keeps open is read from its side, /proc), then
holds them until standard input closes or HOLD_SECONDS pass, whichever is first; then closes them all and prints
"released". Bounded in count and in time, loopback only.
"""
import resource
import select
import socket
import sys
import time


def main() -> int:
    port, idle, events, hold = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = idle + events + 64
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted, hard))
    held = []
    for _ in range(idle):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            pass
    subscribers = []
    request = f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()
    for _ in range(events):
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(request)
            subscribers.append(connection)
        except OSError:
            pass
    print(f"holding {len(held)} idle and {len(subscribers)} events connections", flush=True)
    deadline = time.monotonic() + hold
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sys.stdin], [], [], max(0.0, min(1.0, deadline - time.monotonic())))
        if readable and sys.stdin.read(1) == "":
            break
    for connection in held + subscribers:
        connection.close()
    print("released", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
