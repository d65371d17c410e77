import type { IncomingHttpHeaders } from "node:http";
import { parsePayload, signatureMatches } from "./webhook-body.js";

export interface Delivery {
  id: string;
  name: string;
  payload: unknown;
}

/** Why a body that arrived whole is refused: the answer, the metric's reason, the log's line. */
export interface DeliveryRefusal {
  status: 400 | 401;
  message: string;
  reason: "signature" | "bad_request";
  log: { obj: object; msg: string };
}

/**
 * A whole body and its headers as a delivery, or why not. The signature comes first, over the raw
 * bytes, before any header or byte is read as GitHub's.
 */
export function verifyDelivery(secret: string, headers: IncomingHttpHeaders, body: Buffer): Delivery | DeliveryRefusal {
  const signature = headers["x-hub-signature-256"];
  const id = headers["x-github-delivery"];
  const name = headers["x-github-event"];
  // Only the sha256 signature counts: the legacy sha1 header alone is not enough.
  if (typeof signature !== "string" || !signature.startsWith("sha256=")) {
    return refused(401, "signature required", "signature", { deliveryId: id }, "webhook without an X-Hub-Signature-256 header refused");
  }
  // Over the raw bytes: decoding first would let bytes GitHub never signed (invalid UTF-8 that
  // decodes to U+FFFD) pass as the signed text.
  if (!signatureMatches(secret, body, signature)) {
    return refused(401, "signature does not match", "signature", { deliveryId: id }, "webhook with a wrong signature refused");
  }
  if (typeof id !== "string" || !id || typeof name !== "string" || !name) {
    const message = "X-GitHub-Delivery and X-GitHub-Event headers are required";
    return refused(
      400,
      message,
      "bad_request",
      { deliveryId: id, event: name },
      "signed webhook without X-GitHub-Delivery or X-GitHub-Event refused",
    );
  }
  // The id is not signed, and it is kept beside the act-once keys (`comment:…`, `click:…`, see
  // act-once-keys.ts): a captured body sent again under such an id would take a comment's or a
  // click's key before GitHub sends it, and that command would be dropped as a replay. GitHub's
  // ids (GUIDs) have no colon.
  if (id.includes(":")) {
    const message = "X-GitHub-Delivery is not a GitHub delivery id (it has a colon)";
    return refused(
      400,
      message,
      "bad_request",
      { deliveryId: id, event: name },
      "signed webhook refused: its X-GitHub-Delivery has the form of an act-once key",
    );
  }
  const payload = parsePayload(body, headers["content-type"]);
  if (typeof payload === "string") {
    const obj = { deliveryId: id, event: name, contentType: headers["content-type"] };
    return refused(400, payload, "bad_request", obj, `signed webhook refused: ${payload}`);
  }
  return { id, name, payload };
}

export const isRefusal = (d: Delivery | DeliveryRefusal): d is DeliveryRefusal => "status" in d;

function refused(status: 400 | 401, message: string, reason: DeliveryRefusal["reason"], obj: object, msg: string): DeliveryRefusal {
  return { status, message, reason, log: { obj, msg } };
}
