export { createLambdaHandler, type LambdaHttpResult } from "./buffered.js"
export type { LambdaContext, LambdaHttpEvent, LambdaOptions } from "./event.js"
export { type AwsLambdaGlobal, createLambdaStreamingHandler } from "./streaming.js"
