/**
 * Per-provider socket timeouts, handed to undici (the only timers outside Effect's Clock).
 * Option field `timeouts: { connectMs?, headersMs?, bodyMs? }` in every wire plugin's options.
 * - connectMs: TCP/TLS connect.  - headersMs: request sent → response headers (a non-streamed call waits
 *   for the whole generation here).  - bodyMs: longest silence between two body chunks (SSE included).
 */
import { configStruct } from "@switchyard/core"
import * as Schema from "effect/Schema"

const Ms = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const TimeoutsOptions = configStruct({
  connectMs: Schema.optionalKey(Ms),
  headersMs: Schema.optionalKey(Ms),
  bodyMs: Schema.optionalKey(Ms),
})
export type TimeoutsOptions = typeof TimeoutsOptions.Type

export interface Timeouts {
  readonly connectMs: number
  readonly headersMs: number
  readonly bodyMs: number
}

export const defaultTimeouts: Timeouts = { connectMs: 10_000, headersMs: 300_000, bodyMs: 120_000 }

export const resolveTimeouts = (t: TimeoutsOptions | undefined): Timeouts => ({ ...defaultTimeouts, ...t })
