import type { Gateway } from "../handler/gateway.js"
import { isStreamBody } from "../handler/types.js"
import { fromLambdaEvent, type LambdaContext, type LambdaHttpEvent, type LambdaOptions } from "./event.js"

/** The structured result API Gateway v2 and Function URLs (BUFFERED invoke mode) expect. */
export interface LambdaHttpResult {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly body: string
  readonly isBase64Encoded: boolean
}

const decoder = new TextDecoder()

/**
 * A buffered Lambda handler (API Gateway HTTP API payload v2, Function URL with `InvokeMode: BUFFERED`).
 * Build it once at module scope: `export const handler = createLambdaHandler(gateway)`. A streamed
 * completion is collected whole before returning (use the streaming handler to stream).
 */
export const createLambdaHandler =
  (gateway: Gateway, options: LambdaOptions = {}) =>
  async (event: LambdaHttpEvent, context?: LambdaContext): Promise<LambdaHttpResult> => {
    const mapped = fromLambdaEvent(gateway, event, context, options)
    if ("tooLarge" in mapped) {
      const r = gateway.tooLarge()
      return { statusCode: r.status, headers: { ...r.headers }, body: r.body as string, isBase64Encoded: false }
    }
    try {
      const response = await gateway.handle(mapped.request)
      let body: string
      if (typeof response.body === "string") body = response.body
      else if (isStreamBody(response.body)) {
        body = ""
        for await (const chunk of response.body) body += decoder.decode(chunk, { stream: true })
        body += decoder.decode()
      } else body = decoder.decode(response.body)
      return { statusCode: response.status, headers: { ...response.headers }, body, isBase64Encoded: false }
    } finally {
      mapped.cancel()
    }
  }
