/**
 * A Function URL with `InvokeMode: RESPONSE_STREAM`: SSE reaches the client as it is produced.
 * `handler` = `streaming.handler`. Uses the runtime's global `awslambda.streamifyResponse`.
 */
import { createLambdaStreamingHandler } from "@switchyard/adapters/lambda"
import { gateway } from "./gateway.js"

export const handler = createLambdaStreamingHandler(gateway)
