export {
  DEFAULT_LOGGING,
  LogFormat,
  type LoggingConfig,
  LoggingSection,
  LogLevelName,
  resolveLogging,
} from "./config.js"
export { type LogSink, lineLogger, loggingLayer, logsInfo, stdoutSink } from "./line-logger.js"
export { type RequestLine, rejectedLine, routedLine } from "./request-line.js"
