#!/usr/bin/env python3
"""A complete till for qrpayd, in standard-library Python: the integrator's starting point.

It does what a till must do to never lose a payment and never move money twice:
  * every request that creates or settles money is safe to repeat: a payment by its reference, a capture, refund or
    cancel by an Idempotency-Key the till keeps for that cashier action;
  * a 202 Accepted is not an answer yet: the till waits for the payment's next events on /v1/events;
  * after its own restart it asks for the unsettled payments and finishes them.

Usage (the socket from --socket, else $QRPAYD_SOCKET, else /run/qrpayd/control.sock):
  till.py sale REFERENCE KRONER [--capture] [--refund KRONER] [--cancel] [--text TEXT]
  till.py recover [--capture | --cancel]
Amounts are written in kroner with two decimals (129.00) and sent as whole øre (12900).
Exit codes: 0 done, 1 refused or failed (the problem is printed), 4 the customer did not pay.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import uuid

FINAL = {"captured", "cancelled", "voided", "rejected", "expired", "failed"}


class UnixConnection(http.client.HTTPConnection):
    """HTTP/1.1 over the daemon's Unix socket."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Refused(Exception):
    """The daemon said no (a problem document), or the operation failed for good: no money moved for it."""

    def __init__(self, problem):
        super().__init__(problem.get("title", "refused"))
        self.problem = problem


class Daemon:
    def __init__(self, socket_path):
        self.socket_path = socket_path

    def request(self, method, path, body=None, key=None):
        """One request; the same key (or the same reference) makes repeating it safe."""
        headers = {}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        for attempt in range(5):
            connection = UnixConnection(self.socket_path, timeout=30)
            try:
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                status, text = response.status, response.read().decode("utf-8")
            except (ConnectionError, socket.timeout, http.client.HTTPException) as error:
                # No answer: send the very same request again (same reference, same key).
                print(f"no answer ({error}); asking again", file=sys.stderr)
                continue
            finally:
                connection.close()
            document = json.loads(text) if text else {}
            if status >= 500 and document.get("type", "").endswith("shutting-down"):
                continue
            if status >= 400:
                raise Refused(document)
            return status, document
        raise Refused({"title": "qrpayd did not answer", "detail": f"{method} {path}"})

    def events(self, after=None):
        """Yields (id, payment) from /v1/events, replaying from `after`."""
        connection = UnixConnection(self.socket_path, timeout=60)
        headers = {"Last-Event-ID": str(after)} if after is not None else {}
        connection.request("GET", "/v1/events", headers=headers)
        response = connection.getresponse()
        event_id, data = None, []
        try:
            while True:
                line = response.fp.readline()
                if not line:
                    return
                line = line.decode("utf-8").rstrip("\r\n")
                if line.startswith("id:"):
                    event_id = int(line[3:].strip())
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif line == "" and data:
                    yield event_id, json.loads("\n".join(data))
                    data = []
        finally:
            connection.close()

    def wait(self, reference, done):
        """Waits until the payment satisfies `done`, reading events from the beginning (nothing is missed)."""
        status, payment = self.request("GET", f"/v1/payments/{reference}")
        if done(payment):
            return payment
        for _, payment in self.events(after=0):
            if payment["reference"] == reference and done(payment):
                return payment
        raise Refused({"title": "the event stream ended", "detail": reference})

    def settle(self, reference, action, amount=None, key=None):
        """A capture, refund or cancel with its own Idempotency-Key; waits out a 202 on the event stream."""
        key = key or str(uuid.uuid4())
        body = {"amount": amount} if amount is not None else None
        status, answer = self.request("POST", f"/v1/payments/{reference}/{action}", body, key=key)
        operation = answer.get("operation")
        if status == 202 and operation:
            print(f"{action} pending: waiting for Vipps' answer", file=sys.stderr)
            answer = self.wait(
                reference,
                lambda p: any(o["id"] == operation["id"] and o["state"] != "pending" for o in p["operations"]),
            )
            operation = next(o for o in answer["operations"] if o["id"] == operation["id"])
        if operation and operation["state"] == "failed":
            raise Refused(operation.get("error") or {"title": f"the {action} failed"})
        return answer


def ore(kroner):
    """129.00 -> 12900, refusing anything that is not kroner with at most two decimals."""
    whole, _, fraction = kroner.partition(".")
    if not whole.isdigit() or (fraction and (not fraction.isdigit() or len(fraction) > 2)):
        raise SystemExit(f"{kroner}: write kroner as 129.00")
    return int(whole) * 100 + int((fraction + "00")[:2])


def sale(daemon, args):
    body = {"reference": args.reference, "amount": ore(args.kroner)}
    if args.text:
        body["text"] = args.text
    _, payment = daemon.request("POST", "/v1/payments", body)
    print(f"{payment['reference']}: {payment['state']} (show the customer the QR: {payment.get('qrText')})")
    payment = daemon.wait(
        args.reference,
        lambda p: p["state"] in FINAL or p["state"] == "authorized",
    )
    if payment["state"] not in ("authorized", "captured"):
        print(f"{args.reference}: {payment['state']}; the customer did not pay")
        return 4
    if args.cancel:
        payment = daemon.settle(args.reference, "cancel")
    elif args.capture and payment["state"] == "authorized":
        payment = daemon.settle(args.reference, "capture")
    if args.refund:
        payment = daemon.settle(args.reference, "refund", amount=ore(args.refund))
    print(json.dumps({k: payment.get(k) for k in ("reference", "state", "capturedAmount", "refundedAmount")}))
    return 0


def recover(daemon, args):
    """After the till's own restart: finish what it left (capture or release approved payments)."""
    _, listing = daemon.request("GET", "/v1/payments?unsettled=true")
    for payment in listing["payments"]:
        reference = payment["reference"]
        if not payment["final"] and payment["state"] != "authorized":
            payment = daemon.wait(reference, lambda p: p["state"] in FINAL or p["state"] == "authorized")
        if payment["state"] == "authorized" or payment.get("reservedAmount", 0) > 0:
            if args.cancel:
                payment = daemon.settle(reference, "cancel")
            elif args.capture:
                payment = daemon.settle(reference, "capture")
        print(f"{reference}: {payment['state']}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--socket", default=os.environ.get("QRPAYD_SOCKET", "/run/qrpayd/control.sock"))
    commands = parser.add_subparsers(dest="command", required=True)
    sale_parser = commands.add_parser("sale")
    sale_parser.add_argument("reference")
    sale_parser.add_argument("kroner")
    sale_parser.add_argument("--text")
    sale_parser.add_argument("--capture", action="store_true")
    sale_parser.add_argument("--cancel", action="store_true")
    sale_parser.add_argument("--refund")
    recover_parser = commands.add_parser("recover")
    recover_parser.add_argument("--capture", action="store_true")
    recover_parser.add_argument("--cancel", action="store_true")
    args = parser.parse_args()
    daemon = Daemon(args.socket)
    try:
        return sale(daemon, args) if args.command == "sale" else recover(daemon, args)
    except Refused as refused:
        problem = refused.problem
        print(f"refused: {problem.get('title')}: {problem.get('detail', '')}", file=sys.stderr)
        if problem.get("hint"):
            print(f"hint: {problem['hint']}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
