/**
 * Network addresses in upstream text, masked for clients: whatever an upstream writes about where it runs — its own
 * URL, an internal load balancer, a private IP — reaches no client.
 *
 *   maskAddresses("see https://lb.corp:8443/v1 (10.2.3.4:9000)") → "see [REDACTED] ([REDACTED])"
 *   withAddressesMasked(redact) → a redactor that masks addresses after `redact` (configured secrets, key shapes)
 *
 * Masked: URLs (`scheme://…`), IPv4 addresses (with a port or not), bracketed IPv6 addresses, `localhost` and
 * `host.name:port`. A bare host name without scheme or port is left as it is (it cannot be told apart from a model
 * or product name); configured hosts are masked by the redactor itself. For client-facing text only: the log keeps
 * addresses (an operator needs them).
 */
import { REDACTED, type Redactor } from "./redactor.js"

const ADDRESS =
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()[\]{}]+|\[[0-9a-f:.]+\](?::\d{1,5})?|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b|\blocalhost(?::\d{1,5})?\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+:\d{1,5}\b/gi

/** Every match contains `://`, `[`, a digit-dot run, `localhost` or a `:` before a digit: text without any skips the scan. */
const MAYBE = /:\/\/|\[|\d\.\d|localhost|:\d/i

export const maskAddresses = (text: string): string => (MAYBE.test(text) ? text.replace(ADDRESS, REDACTED) : text)

export const withAddressesMasked =
  (redact: Redactor): Redactor =>
  (text) =>
    maskAddresses(redact(text))
