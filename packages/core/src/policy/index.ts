export { noEndpointError } from "./no-endpoint.js"
export { plan } from "./plan.js"
export { blendedPrice, effectiveRequestPrice } from "./price.js"
