import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { Redactor } from "../errors/redact.js"

/** What a translator needs to know about one call: timestamps from Clock, fallback ids from Random. */
export interface CallContext {
  readonly provider: string
  /** Unix seconds. */
  readonly created: number
  /** An id for the completion when the upstream sends none. */
  readonly fallbackId: string
  /** The upstream model, when the answer does not name one. */
  readonly model: string
  readonly redact: Redactor
}

/** What a response translator reads: the call context, with secret masking optional (tests translate without one). */
export type TranslateContext = Omit<CallContext, "redact"> & { readonly redact?: Redactor }

export const callContext = (provider: string, model: string, redact: Redactor): Effect.Effect<CallContext> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const n = yield* Random.nextIntBetween(0, 2 ** 31, { halfOpen: true })
    return { provider, created: Math.floor(now / 1000), fallbackId: `gen-${n.toString(36)}`, model, redact }
  })
