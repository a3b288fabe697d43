export { createNodeListener, type NodeListener, serveWithBody } from "./listener.js"
export { closeNodeServer, createNodeServer } from "./server.js"
export { writeResponse } from "./write-response.js"
