export { noEndpointError } from "./no-endpoint.js"
export { plan } from "./plan.js"
export { blendedPrice, effectivePromptPrice, effectiveRequestPrice, rankPrice } from "./price.js"
