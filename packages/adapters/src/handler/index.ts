export { type ErrorBody, type ErrorReply, type ErrorType, errorJson, replies } from "./envelope.js"
export {
  createGateway,
  DEFAULT_MAX_BODY_BYTES,
  Gateway,
  type GatewayOptions,
  type GatewayServices,
} from "./gateway.js"
export { EXPOSED_HEADERS, headerValue } from "./headers.js"
export { DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH_LIMIT } from "./json-depth.js"
export { routeErrorReply } from "./route-errors.js"
export { SSE_HEADERS } from "./sse.js"
export {
  type CancelHook,
  cancelNow,
  type GatewayRequest,
  type GatewayResponse,
  type HeaderBag,
  isStreamBody,
  newCancelHook,
  type StreamBody,
} from "./types.js"
