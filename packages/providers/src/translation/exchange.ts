import type { ProviderError } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { HttpFailure } from "../errors/classify-http.js"
import type { HttpRequest, HttpResponse, Transport } from "../http/transport.js"
import { responseNowMs } from "../signals/headers.js"

/**
 * Send one request; a non-2xx answer is read and classified with the provider's own classifier
 * (the Google / Anthropic refinements of the shared HTTP classifier). Resolves at 2xx headers with the
 * body unread.
 */
export const exchange = (
  http: Transport,
  req: HttpRequest,
  classify: (failure: HttpFailure) => ProviderError,
): Effect.Effect<HttpResponse, ProviderError> =>
  Effect.flatMap(http.send(req), (res) =>
    res.status >= 200 && res.status < 300
      ? Effect.succeed(res)
      : Effect.gen(function* () {
          const body = yield* http.text(res)
          const nowMs = yield* responseNowMs(res.headers)
          return yield* Effect.fail(
            classify({
              provider: http.provider,
              status: res.status,
              body,
              headers: res.headers,
              nowMs,
              redact: http.redact,
            }),
          )
        }),
  )
