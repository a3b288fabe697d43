import type { Redactor } from "@switchyard/core"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import type { LogFormat, LoggingConfig, LogLevelName } from "./config.js"
import { type ValueRedactor, valueRedactor } from "./redacted-values.js"

/** Where formatted lines go: a chunk of one or more complete lines (default: stdout). */
export type LogSink = (text: string) => void

export const stdoutSink: LogSink = (text) => {
  process.stdout.write(text)
}

const MINIMUM: Readonly<Record<LogLevelName, LogLevel.LogLevel>> = {
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error",
  none: "None",
}

const LEVEL_NAME: Readonly<Record<LogLevel.Severity, string>> = {
  Trace: "trace",
  Debug: "debug",
  Info: "info",
  Warn: "warn",
  Error: "error",
  Fatal: "fatal",
}

/** How long lines wait to be written together (off the request path, one write per batch). */
const BATCH_WINDOW = "50 millis"

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Error)

/**
 * One log event as a flat record, its values redacted: `msg` is the message's text parts joined; object parts and
 * the fiber's log annotations (`Effect.annotateLogs`) become fields; a non-empty cause is `error`.
 */
const fields = (
  options: Logger.Options<unknown>,
  r: ValueRedactor,
): { msg: string; fields: Record<string, unknown> } => {
  const out: Record<string, unknown> = {}
  const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
  for (const key in annotations) out[key] = r.value(annotations[key])
  const parts = Array.isArray(options.message) ? options.message : [options.message]
  let msg = ""
  for (const part of parts) {
    if (isRecord(part)) {
      for (const key in part) if (part[key] !== undefined) out[key] = r.value(part[key])
    } else msg = msg === "" ? String(part) : `${msg} ${String(part)}`
  }
  if (options.cause.reasons.length > 0) out.error = r.text(Cause.pretty(options.cause))
  return { msg: r.text(msg), fields: out }
}

const hasKey = (record: object): boolean => {
  for (const _ in record) return true
  return false
}

/**
 * The common event — a text, then one object of fields (`Effect.logInfo("request", line)`), no
 * annotations, no cause — as `[text, fields]`, its fields object read as it is (the per-request line
 * builds no second record); undefined for any other event. Fields whose value is undefined are still in
 * it: the formats skip them, as `fields` does.
 */
const textAndRecord = (options: Logger.Options<unknown>): readonly [string, Record<string, unknown>] | undefined => {
  const message = options.message
  if (!Array.isArray(message) || message.length !== 2) return undefined
  const [text, record] = message as [unknown, unknown]
  if (typeof text !== "string" || !isRecord(record)) return undefined
  if (options.cause.reasons.length > 0 || hasKey(options.fiber.getRef(References.CurrentLogAnnotations)))
    return undefined
  return [text, record as Record<string, unknown>]
}

/** "000Z" … "999Z": the milliseconds and the zone of an ISO time. */
const MILLIS_Z: ReadonlyArray<string> = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, "0")}Z`)

/** The second `isoPrefix` ("2026-12-02T23:51:10.") is for. */
let isoSecond = Number.NaN
let isoPrefix = ""

/**
 * `date.toISOString()`, formatting the date only once a second (every line of the same second shares the text up to
 * the milliseconds): Date's own formatting was a noticeable part of each request line.
 */
export const isoTime = (date: Date): string => {
  const t = date.getTime()
  const second = Math.floor(t / 1000)
  if (second !== isoSecond) {
    const iso = date.toISOString() // throws for an invalid date, as before
    // a year outside 0000–9999 is written with six digits and a sign: left to Date
    if (iso.length !== 24) return iso
    isoSecond = second
    isoPrefix = iso.slice(0, 20)
  }
  return isoPrefix + MILLIS_Z[t - second * 1000]!
}

/**
 * The line of the common event (`textAndRecord`) in a format, or undefined when its record must take the general
 * path: the same text the general path would write, built without a second record.
 */
type CommonLine = (
  level: LogLevel.Severity,
  date: Date,
  text: string,
  record: Record<string, unknown>,
  r: ValueRedactor,
) => string | undefined

/** `format`'s line of the event when it is the common one, else undefined (the general path writes it). */
const commonLineOf = (format: CommonLine, options: Logger.Options<unknown>, r: ValueRedactor): string | undefined => {
  const common = textAndRecord(options)
  return common === undefined ? undefined : format(options.logLevel as LogLevel.Severity, options.date, ...common, r)
}

/**
 * The piece of a line that names a field (` key=`, `,"key":`), built once per name: field names come from code; past
 * the bound they are built per line.
 */
const MAX_KEY_PIECES = 512
const keyPieces = (build: (key: string) => string): ((key: string) => string) => {
  const pieces = new Map<string, string>()
  return (key) => {
    let piece = pieces.get(key)
    if (piece === undefined) {
      piece = build(key)
      if (pieces.size < MAX_KEY_PIECES) pieces.set(key, piece)
    }
    return piece
  }
}

const jsonKeyOf = keyPieces((key) => `,${JSON.stringify(key)}:`)

// time, level and msg first, then the fields in their order, each value redacted (and skipped where JSON.stringify
// skips it: undefined, functions, symbols), as the general path writes them; a record that names time, level or msg
// itself takes that path
const jsonCommon: CommonLine = (severity, date, text, record, r) => {
  if ("time" in record || "level" in record || "msg" in record) return undefined
  let line = `{"time":"${isoTime(date)}","level":"${LEVEL_NAME[severity] ?? "info"}","msg":${JSON.stringify(r.text(text))}`
  for (const key in record) {
    const v = record[key]
    if (v === undefined) continue
    const json = JSON.stringify(r.value(v))
    if (json !== undefined) line += jsonKeyOf(key) + json
  }
  return `${line}}\n`
}

const jsonLine = (options: Logger.Options<unknown>, r: ValueRedactor): string => {
  const line = commonLineOf(jsonCommon, options, r)
  if (line !== undefined) return line
  const level = LEVEL_NAME[options.logLevel as LogLevel.Severity] ?? "info"
  const { msg, fields: f } = fields(options, r)
  return `${JSON.stringify({ time: isoTime(options.date), level, msg, ...f })}\n`
}

/** JavaScript's `\s` above ASCII (`\u00a0`, `\u1680`, `\u2000`–`\u200a`, `\u2028`, `\u2029`, `\u202f`, `\u205f`, `\u3000`, `\ufeff`). */
const isWideSpace = (c: number): boolean =>
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff

/**
 * A bare token — `/^[^\s"=]+$/`: not empty, no white space, quote or `=` — is written as it is, anything else as a
 * JSON string. A loop over the characters, not the regular expression: the request line tests a dozen values.
 */
export const isBareToken = (v: string): boolean => {
  const n = v.length
  if (n === 0) return false
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i)
    if (c === 32 || c === 34 || c === 61 || (c >= 9 && c <= 13) || (c >= 0xa0 && isWideSpace(c))) return false
  }
  return true
}

/** A value of the pretty format, already redacted. */
const prettyValue = (v: unknown): string => {
  if (typeof v === "string") return isBareToken(v) ? v : JSON.stringify(v)
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  return JSON.stringify(v) ?? String(v)
}

/** The pretty format's level column: upper case, five wide. */
const PRETTY_LEVEL: Readonly<Record<LogLevel.Severity, string>> = {
  Trace: "TRACE",
  Debug: "DEBUG",
  Info: "INFO ",
  Warn: "WARN ",
  Error: "ERROR",
  Fatal: "FATAL",
}

const prefixOf = keyPieces((key) => ` ${key}=`)

/**
 * The pieces of a line, joined once: one flat string per line instead of a concatenation per piece (the request
 * line is written on every request). Reused while not in use (`prettyValue` may run a `toJSON`).
 */
let spare: Array<string> | undefined = []
const MAX_SPARE_PIECES = 256

// a record with an `error` field takes the general path (the error goes on lines of its own)
const prettyCommon: CommonLine = (severity, date, text, record, r) => {
  if ("error" in record) return undefined
  const parts = spare ?? []
  spare = undefined
  parts.push(isoTime(date), " ", PRETTY_LEVEL[severity] ?? PRETTY_LEVEL.Info, " ", r.text(text))
  for (const key in record) {
    const v = record[key]
    if (v !== undefined) parts.push(prefixOf(key), prettyValue(r.value(v)))
  }
  parts.push("\n")
  const line = parts.join("")
  if (parts.length <= MAX_SPARE_PIECES) {
    parts.length = 0
    spare = parts
  }
  return line
}

const prettyLine = (options: Logger.Options<unknown>, r: ValueRedactor): string => {
  const commonLine = commonLineOf(prettyCommon, options, r)
  if (commonLine !== undefined) return commonLine
  const level = PRETTY_LEVEL[options.logLevel as LogLevel.Severity] ?? PRETTY_LEVEL.Info
  const { msg, fields: f } = fields(options, r)
  let line = `${isoTime(options.date)} ${level} ${msg}`
  for (const key in f) if (key !== "error") line += ` ${key}=${prettyValue(f[key])}`
  if (typeof f.error === "string") line += `\n${f.error}`
  return `${line}\n`
}

/**
 * A format's writers over one redactor (every value of a line — message, fields, error — passed through `redact`
 * first): the line of any event, and the line of the common event (undefined when it must take the general path).
 */
const formatOf = (format: LogFormat, redact: Redactor | undefined) => {
  const r = valueRedactor(redact)
  const line = format === "json" ? jsonLine : prettyLine
  const common = format === "json" ? jsonCommon : prettyCommon
  return {
    line: (options: Logger.Options<unknown>): string => line(options, r),
    commonInfo: (date: Date, text: string, record: Record<string, unknown>): string | undefined =>
      common("Info", date, text, record, r),
  }
}

/** An Effect `Logger` that renders each event as one line of `format`, its values passed through `redact` first. */
export const lineLogger = (format: LogFormat, redact?: Redactor): Logger.Logger<unknown, string> =>
  Logger.make(formatOf(format, redact).line)

/**
 * `Logger.batched`'s buffer, kept here so that `infoLineWriter` can add to it too: lines wait and are written
 * together every `BATCH_WINDOW` and when the layer's scope closes.
 */
const batchedSink = (write: LogSink): Effect.Effect<LogSink, never, Scope.Scope> =>
  Effect.gen(function* () {
    let buffer: Array<string> = []
    const flush = Effect.sync(() => {
      if (buffer.length === 0) return
      const batch = buffer
      buffer = []
      write(batch.join(""))
    })
    const loop = yield* Effect.forkDetach(Effect.forever(Effect.andThen(Effect.sleep(BATCH_WINDOW), flush)))
    yield* Effect.addFinalizer(() => Effect.andThen(Fiber.interrupt(loop), flush))
    return (line: string) => {
      buffer.push(line)
    }
  })

/** A line logger's way in without an Effect: the common event's line at `info`, written; false when not common. */
type InfoLine = (date: Date, text: string, record: Record<string, unknown>) => boolean
const infoLines = new WeakMap<Logger.Logger<unknown, unknown>, InfoLine>()

/**
 * The runtime's logging: Effect's `Logger` rendering `format` lines to `sink` (default stdout), at or
 * above `level`, masked by `redact`, replacing Effect's default console logger. Lines are batched — written together every
 * 50 ms and on shutdown, off the request path — unless `batched: false` (each line written at once).
 */
export const loggingLayer = (
  config: LoggingConfig,
  sink: LogSink = stdoutSink,
  options: {
    readonly batched?: boolean
    /** Applied to every value of a line before it is formatted (the configured secrets and key shapes masked). */
    readonly redact?: Redactor | undefined
  } = {},
): Layer.Layer<never> => {
  const { line: lineOf, commonInfo } = formatOf(config.format, options.redact)
  const loggerOn = (push: LogSink): Logger.Logger<unknown, void> => {
    const logger = Logger.make((o: Logger.Options<unknown>) => push(lineOf(o)))
    infoLines.set(logger, (date, text, record) => {
      const line = commonInfo(date, text, record)
      if (line === undefined) return false
      push(line)
      return true
    })
    return logger
  }
  const logger = options.batched === false ? Effect.succeed(loggerOn(sink)) : Effect.map(batchedSink(sink), loggerOn)
  return Layer.mergeAll(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, MINIMUM[config.level]))
}

/**
 * What `Effect.logInfo(text, record)` run on `context` would do, without running an Effect (no fiber per line: the
 * gateway's request line): true when the line was written; false when it must be logged as an effect (a record the
 * common path does not take). Undefined unless `context` logs through one `loggingLayer` logger alone, lets `info`
 * through and has no log annotations — the cases where both write the same line, to the same batch.
 */
export const infoLineWriter = (
  context: Context.Context<never>,
): ((text: string, record: Record<string, unknown>) => boolean) | undefined => {
  const loggers = Context.getUnsafe(context, Logger.CurrentLoggers)
  if (loggers.size !== 1) return undefined
  const [logger] = loggers
  const write = logger === undefined ? undefined : infoLines.get(logger)
  if (write === undefined) return undefined
  if (LogLevel.isGreaterThan(Context.getUnsafe(context, References.MinimumLogLevel), "Info")) return undefined
  if (hasKey(Context.getUnsafe(context, References.CurrentLogAnnotations))) return undefined
  const clock = Context.getUnsafe(context, Clock.Clock)
  return (text, record) => write(new Date(clock.currentTimeMillisUnsafe()), text, record)
}

/** Whether `level` lets `info` lines (one per request) through. */
export const logsInfo = (config: LoggingConfig): boolean =>
  config.level === "trace" || config.level === "debug" || config.level === "info"
