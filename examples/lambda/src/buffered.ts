/** API Gateway HTTP API (payload 2.0) or a Function URL in BUFFERED mode: `handler` = `buffered.handler`. */
import { createLambdaHandler } from "@switchyard/adapters/lambda"
import { gateway } from "./gateway.js"

export const handler = createLambdaHandler(gateway)
