import Foundation

/// The OpenAPI 3.1 description of the control API, served at `GET /v1/openapi.json` so a till's developers can
/// generate a client or read the contract from the box itself.
enum OpenAPIDocument {
    static func json(version: String) -> String {
        Self.template.replacingOccurrences(of: "__VERSION__", with: Self.jsonEscaped(version))
    }

    /// The version goes into a JSON string: keep it one.
    private static func jsonEscaped(_ text: String) -> String {
        String(
            text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" }.map(
                Character.init
            )
        )
    }

    private static let template = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "qrpayd control API",
            "version": "__VERSION__",
            "summary": "Vipps QR payments for a till, over the daemon's Unix socket.",
            "description": "HTTP/1.1 with JSON bodies over the Unix socket /run/qrpayd/control.sock (access by the socket's group). Try it with: curl --unix-socket /run/qrpayd/control.sock http://localhost/v1/health. Amounts are integer øre (12900 = 129.00 NOK). Every refusal is application/problem+json with a stable type urn:qrpayd:error:<slug>."
          },
          "servers": [{"url": "http://localhost", "description": "Any host name; the connection goes to the Unix socket."}],
          "paths": {
            "/v1/payments": {
              "post": {
                "operationId": "createPayment",
                "summary": "Create a payment and answer once its QR code is on the customer screen (or it failed).",
                "description": "The reference is the idempotency key: the same reference and body again answers 200 with the same payment and no second Vipps payment.",
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatePayment"}}}
                },
                "responses": {
                  "201": {"description": "Created; state awaiting-scan, or failed.", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}},
                  "200": {"description": "The same request again: the existing payment.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "409": {"description": "reference-conflict (same reference, other body) or payment-in-progress (another payment is with the customer).", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"description": "amount-too-high: above the configured maximum.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              },
              "get": {
                "operationId": "listPayments",
                "summary": "Payments that need the till (unsettled=true), or the newest payments.",
                "parameters": [
                  {"name": "unsettled", "in": "query", "schema": {"type": "boolean", "default": false}, "description": "Only payments approved and not captured, or still open (for example after a restart)."},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}, "description": "How many of the newest payments, without unsettled."}
                ],
                "responses": {
                  "200": {"description": "The payments, newest first unless unsettled.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaymentList"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/payments/{reference}": {
              "parameters": [{"$ref": "#/components/parameters/Reference"}],
              "get": {
                "operationId": "getPayment",
                "summary": "One payment: how a till that lost a reply learns the outcome.",
                "responses": {
                  "200": {"description": "The payment.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/payments/{reference}/qr.png": {
              "parameters": [{"$ref": "#/components/parameters/Reference"}],
              "get": {
                "operationId": "getPaymentQRCode",
                "summary": "The QR code as a PNG while the payment waits for the customer.",
                "responses": {
                  "200": {"description": "The QR code.", "content": {"image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}}},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "409": {"description": "invalid-state: the payment no longer waits for a scan.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                }
              }
            },
            "/v1/payments/{reference}/cancel": {
              "parameters": [{"$ref": "#/components/parameters/Reference"}],
              "post": {
                "operationId": "cancelPayment",
                "summary": "Make sure the customer is not charged: cancel before approval, void after it.",
                "description": "Answers with the payment as read back from Vipps: cancelled, or voided if the customer approved at the same moment; after a partial capture the rest is released. A capture that was pending and that Vipps had not carried out is dropped (failed, superseded-by-cancel). No body, or an empty JSON object.",
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false}}}},
                "responses": {
                  "200": {"description": "The payment after cancelling, with the cancel operation.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OperationAnswer"}}}},
                  "202": {"$ref": "#/components/responses/Pending"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "409": {"description": "invalid-state: already captured; refund it instead.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/payments/{reference}/capture": {
              "parameters": [{"$ref": "#/components/parameters/Reference"}],
              "post": {
                "operationId": "capturePayment",
                "summary": "Capture an approved payment, in part or the rest of it (settlement till).",
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Capture"}}}},
                "responses": {
                  "200": {"description": "The payment after the capture, with the capture operation.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OperationAnswer"}}}},
                  "202": {"$ref": "#/components/responses/Pending"},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/payments/{reference}/refund": {
              "parameters": [{"$ref": "#/components/parameters/Reference"}],
              "post": {
                "operationId": "refundPayment",
                "summary": "Send captured money back to the customer.",
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refund"}}}},
                "responses": {
                  "200": {"description": "The payment after the refund, with the refund operation.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OperationAnswer"}}}},
                  "202": {"$ref": "#/components/responses/Pending"},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "403": {"description": "refund-not-allowed: refunds are off or capped on this box, or the caller is neither root nor in payment.refunds.allowedGroups (default qrpay-refund).", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "502": {"description": "vipps-rejected, with what Vipps said in vipps (for example a refund above the captured amount).", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/events": {
              "get": {
                "operationId": "streamEvents",
                "summary": "Server-sent events: one event: payment, with the payment as data, at every change.",
                "description": "Each event has an increasing id:. Reconnect with Last-Event-ID to get exactly what was missed. A ': keep-alive' comment comes every 15 s; retry: says how long to wait before reconnecting. A client that stops reading is disconnected and catches up on reconnect.",
                "parameters": [
                  {"name": "Last-Event-ID", "in": "header", "required": false, "schema": {"type": "integer", "minimum": 0}, "description": "The id of the last event received; 0 replays every stored event. Without it, only new events come."}
                ],
                "responses": {
                  "200": {"description": "The event stream; data is a Payment.", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/health": {
              "get": {
                "operationId": "getHealth",
                "summary": "Whether the daemon, Vipps, the store and the customer screen are well.",
                "responses": {
                  "200": {"description": "The health report.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "getMetrics",
                "summary": "The daemon's metrics in the Prometheus text format (the same as on metrics.listen).",
                "responses": {
                  "200": {"description": "Prometheus text exposition 0.0.4.", "content": {"text/plain": {"schema": {"type": "string"}}}}
                }
              }
            },
            "/v1/openapi.json": {
              "get": {
                "operationId": "getOpenAPI",
                "summary": "This document.",
                "responses": {
                  "200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}}
                }
              }
            }
          },
          "components": {
            "parameters": {
              "Reference": {"name": "reference", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/Reference"}},
              "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "minLength": 1, "maxLength": 255}, "description": "Recommended. The same key with the same body returns the same operation, whatever its state; with another body, 409 idempotency-conflict. Without a key, a capture or refund while another is pending is 409 operation-pending."}
            },
            "responses": {
              "Problem": {"description": "A problem; see type.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
              "Pending": {"description": "Accepted: Vipps' answer is not known yet (timeout, 5xx, 429, no network). The operation is pending; qrpayd finishes it and the event stream says how it ended. Do not ask again: wait for the payment's next event, or GET it.", "headers": {"Location": {"schema": {"type": "string"}, "description": "The payment to follow."}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OperationAnswer"}}}}
            },
            "schemas": {
              "Reference": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,40}$", "description": "Chosen by the till; the idempotency key of the payment."},
              "Amount": {"type": "integer", "description": "Øre (minor units of NOK)."},
              "CreatePayment": {
                "type": "object",
                "additionalProperties": false,
                "required": ["reference", "amount"],
                "properties": {
                  "reference": {"$ref": "#/components/schemas/Reference"},
                  "amount": {"type": "integer", "minimum": 100, "description": "Whole øre, written without a fraction or exponent (129.00 or 1.29e2 is refused: it looks like kroner, so send 12900); at least payment.minimumAmount (100, Vipps' minimum) and at most payment.maximumAmount."},
                  "text": {"type": ["string", "null"], "minLength": 1, "maxLength": 100, "description": "Shown in the customer's app; the configured default when left out."}
                }
              },
              "Capture": {
                "type": "object",
                "additionalProperties": false,
                "properties": {"amount": {"type": ["integer", "null"], "minimum": 1, "description": "Whole øre (no fraction or exponent); at most reservedAmount (409 amount-above-capturable). Left out: what is reserved when the capture is created."}}
              },
              "Refund": {
                "type": "object",
                "additionalProperties": false,
                "required": ["amount"],
                "properties": {"amount": {"type": "integer", "minimum": 1, "description": "Whole øre (no fraction or exponent); at most what was captured and not yet refunded (409 amount-above-refundable)."}}
              },
              "PaymentState": {
                "type": "string",
                "enum": ["initiating", "awaiting-scan", "scanned", "authorized", "captured", "cancelled", "voided", "rejected", "expired", "failed"]
              },
              "Payment": {
                "type": "object",
                "required": ["reference", "orderId", "amount", "currency", "text", "state", "final", "settlement", "capturedAmount", "refundedAmount", "createdAt", "updatedAt", "expiresAt"],
                "properties": {
                  "reference": {"$ref": "#/components/schemas/Reference"},
                  "orderId": {"type": "string", "pattern": "^[A-Za-z0-9-]{8,50}$", "description": "The Vipps orderId: the configured prefix and the reference."},
                  "amount": {"$ref": "#/components/schemas/Amount"},
                  "currency": {"type": "string", "enum": ["NOK", "DKK", "EUR"], "description": "payment.currency when the payment was created; amounts are in its minor units (øre, cents)."},
                  "text": {"type": "string"},
                  "state": {"$ref": "#/components/schemas/PaymentState"},
                  "final": {"type": "boolean", "description": "The daemon will not change the payment again unless the till asks (capture, refund)."},
                  "settlement": {"type": "string", "enum": ["auto", "till"], "description": "Who captures after approval."},
                  "capturedAmount": {"$ref": "#/components/schemas/Amount"},
                  "refundedAmount": {"$ref": "#/components/schemas/Amount"},
                  "qrText": {"type": ["string", "null"], "description": "The text in the QR code."},
                  "createdAt": {"type": "string", "format": "date-time"},
                  "updatedAt": {"type": "string", "format": "date-time"},
                  "expiresAt": {"type": "string", "format": "date-time"},
                  "scannedAt": {"type": ["string", "null"], "format": "date-time"},
                  "authorizedAt": {"type": ["string", "null"], "format": "date-time"},
                  "error": {"oneOf": [{"$ref": "#/components/schemas/PaymentError"}, {"type": "null"}]},
                  "reservedAmount": {"type": "integer", "minimum": 0, "description": "Øre still reserved on the customer's card: capturable, or released by a cancel. A captured payment with reservedAmount > 0 is listed as unsettled."},
                  "operations": {"type": "array", "items": {"$ref": "#/components/schemas/Operation"}, "description": "Every capture, refund and cancel, oldest first."},
                  "unreconciled": {"type": "boolean", "description": "qrpayd could not ask Vipps about this payment since it restarted; it keeps asking."},
                  "api": {"type": "string", "enum": ["ecom", "epayment"], "description": "The Vipps API that created the payment (vipps.api at the time)."}
                }
              },
              "OperationAnswer": {
                "description": "The payment object with one more member: the operation the request created or found (null when there was nothing to do).",
                "allOf": [
                  {"$ref": "#/components/schemas/Payment"},
                  {"type": "object", "required": ["operation"], "properties": {"operation": {"oneOf": [{"$ref": "#/components/schemas/Operation"}, {"type": "null"}]}}}
                ]
              },
              "Operation": {
                "type": "object",
                "required": ["id", "kind", "amount", "state", "origin", "idempotencyKey", "vippsRequestId", "createdAt", "finishedAt", "error"],
                "properties": {
                  "id": {"type": "string", "pattern": "^op-[0-9a-f]{24}$"},
                  "kind": {"type": "string", "enum": ["capture", "refund", "cancel"]},
                  "amount": {"type": ["integer", "null"], "description": "Øre, fixed when the operation was created; null for a cancel."},
                  "state": {"type": "string", "enum": ["pending", "succeeded", "failed"], "description": "pending: qrpayd is carrying it out; failed: Vipps refused for good and it is never carried out later."},
                  "origin": {"type": "string", "enum": ["till", "qrpayd"], "description": "qrpayd: auto-capture, or the release of a reservation nobody may be charged for."},
                  "callerUid": {"type": "integer"},
                  "callerPid": {"type": "integer"},
                  "idempotencyKey": {"type": ["string", "null"]},
                  "vippsRequestId": {"type": "string", "description": "The X-Request-Id sent to Vipps on every attempt."},
                  "createdAt": {"type": "string", "format": "date-time"},
                  "finishedAt": {"type": ["string", "null"], "format": "date-time"},
                  "error": {"oneOf": [{"$ref": "#/components/schemas/PaymentError"}, {"type": "null"}]}
                }
              },
              "PaymentList": {
                "type": "object",
                "required": ["payments"],
                "properties": {"payments": {"type": "array", "items": {"$ref": "#/components/schemas/Payment"}}}
              },
              "PaymentError": {
                "type": "object",
                "required": ["type", "code", "title"],
                "properties": {
                  "type": {"type": "string"},
                  "code": {"type": "string"},
                  "title": {"type": "string"},
                  "detail": {"type": "string"},
                  "hint": {"type": "string"},
                  "vipps": {"$ref": "#/components/schemas/VippsError"}
                }
              },
              "VippsError": {
                "type": "object",
                "description": "What Vipps answered.",
                "properties": {
                  "status": {"type": "integer"},
                  "errorGroup": {"type": "string"},
                  "errorCode": {"type": "string"},
                  "errorMessage": {"type": "string"},
                  "contextId": {"type": "string"},
                  "problemType": {"type": "string", "description": "ePayment: the problem's raw type."},
                  "problemTitle": {"type": "string", "description": "ePayment: the problem's raw title."},
                  "problemDetail": {"type": "string"},
                  "traceId": {"type": "string", "description": "ePayment: traceId or instance, to quote to Vipps MobilePay."},
                  "extraDetails": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "reason": {"type": "string"}}}}
                }
              },
              "Problem": {
                "type": "object",
                "description": "RFC 9457 problem details.",
                "required": ["type", "title", "status", "detail", "code"],
                "properties": {
                  "type": {
                    "type": "string",
                    "enum": ["urn:qrpayd:error:invalid-request", "urn:qrpayd:error:not-found", "urn:qrpayd:error:payment-in-progress", "urn:qrpayd:error:reference-conflict", "urn:qrpayd:error:invalid-state", "urn:qrpayd:error:amount-too-high", "urn:qrpayd:error:vipps-rejected", "urn:qrpayd:error:vipps-unavailable", "urn:qrpayd:error:refund-not-allowed", "urn:qrpayd:error:operation-pending", "urn:qrpayd:error:idempotency-conflict", "urn:qrpayd:error:payload-too-large", "urn:qrpayd:error:method-not-allowed", "urn:qrpayd:error:unsupported-media-type", "urn:qrpayd:error:internal-error", "urn:qrpayd:error:shutting-down"]
                  },
                  "title": {"type": "string"},
                  "status": {"type": "integer"},
                  "detail": {"type": "string"},
                  "code": {"type": "string", "description": "A finer stable identifier: the Vipps error guidance row, or the slug."},
                  "hint": {"type": "string", "description": "What the operator should check."},
                  "vipps": {"$ref": "#/components/schemas/VippsError"},
                  "payment": {"$ref": "#/components/schemas/Payment"},
                  "operation": {"$ref": "#/components/schemas/Operation"}
                }
              },
              "Health": {
                "type": "object",
                "required": ["status", "version", "vipps", "activePayment"],
                "properties": {
                  "status": {"type": "string", "enum": ["ok", "degraded"]},
                  "version": {"type": "string"},
                  "vipps": {
                    "type": "object",
                    "required": ["reachable", "environment"],
                    "properties": {
                      "reachable": {"type": "boolean"},
                      "environment": {"type": "string"},
                      "tokenValidUntil": {"type": ["string", "null"], "format": "date-time"},
                      "lastError": {"oneOf": [{"$ref": "#/components/schemas/PaymentError"}, {"type": "null"}]},
                      "lastSuccess": {"type": ["string", "null"], "format": "date-time"}
                    }
                  },
                  "activePayment": {"oneOf": [{"$ref": "#/components/schemas/Payment"}, {"type": "null"}]},
                  "display": {
                    "type": "object",
                    "properties": {"listening": {"type": "boolean"}, "url": {"type": "string"}, "connectedPages": {"type": "integer"}}
                  },
                  "store": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "writable": {"type": "boolean"}}
                  }
                }
              }
            }
          }
        }
        """#
}
