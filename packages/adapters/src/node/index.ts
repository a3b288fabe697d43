export { InFlight } from "./in-flight.js"
export { createNodeListener, type NodeListener, serveWithBody } from "./listener.js"
export {
  type ClosedServer,
  closeNodeServer,
  createNodeServer,
  DEFAULT_NODE_SERVER_LIMITS,
  type NodeServerLimits,
} from "./server.js"
export { writeResponse } from "./write-response.js"
