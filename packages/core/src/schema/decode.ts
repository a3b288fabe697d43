import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import { ConfigInvalid, echoed, InvalidRequest } from "../errors.js"

export interface IssueLine {
  readonly path: string
  readonly message: string
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** Flatten a SchemaError into `path: message` lines, paths dotted (`provider.sort`, `messages.0.role`). */
export const issueLines = (error: Schema.SchemaError): ReadonlyArray<IssueLine> =>
  formatter(error.issue).issues.map((issue) => ({
    path: (issue.path ?? []).map((k) => String(typeof k === "object" && k !== null ? k.key : k)).join("."),
    message: issue.message,
  }))

const describe = (lines: ReadonlyArray<IssueLine>): string =>
  lines.map((l) => (l.path ? `${l.path}: ${l.message}` : l.message)).join("; ")

/** A request's issues named in its error, at most; the rest are counted ("and N more"). */
const MAX_REQUEST_ISSUES = 10
/** One issue line of a request's error, at most (a path or message may echo the client's input). */
const MAX_ISSUE_LINE = 300

/** The message of a request's issues, bounded: a body with 100,000 bad messages gets a short answer too. */
const describeBounded = (lines: ReadonlyArray<IssueLine>): string => {
  const shown = describe(lines.slice(0, MAX_REQUEST_ISSUES).map(cutLine))
  const more = lines.length - MAX_REQUEST_ISSUES
  return more > 0 ? `${shown}; and ${more} more` : shown
}

const cutLine = (l: IssueLine): IssueLine => ({
  path: echoed(l.path, MAX_ISSUE_LINE),
  message: echoed(l.message, MAX_ISSUE_LINE),
})

/** Map a request decode failure to `InvalidRequest` with the first offending parameter path. */
export const toInvalidRequest = (error: Schema.SchemaError): InvalidRequest => {
  const lines = issueLines(error)
  const first = lines[0]
  return new InvalidRequest({
    message: `Invalid request: ${describeBounded(lines)}`,
    param: first && first.path !== "" ? cutLine(first).path : null,
    code: "invalid_parameter",
  })
}

/** Map a config decode failure to `ConfigInvalid` with path-precise lines. */
export const toConfigInvalid = (what: string, error: Schema.SchemaError): ConfigInvalid => {
  const lines = issueLines(error)
  return new ConfigInvalid({
    message: `Invalid ${what}: ${describe(lines)}`,
    path: lines[0]?.path ?? null,
    issues: lines.map((l) => (l.path ? `${l.path}: ${l.message}` : l.message)),
  })
}

/** Build once per process: a decoder of `schema` that fails with `InvalidRequest`. */
export const requestDecoder = <S extends Schema.Decoder<unknown>>(schema: S) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (input: unknown): Effect.Effect<S["Type"], InvalidRequest, S["DecodingServices"]> =>
    decode(input, { errors: "all" }).pipe(Effect.mapError(toInvalidRequest))
}

/** Synchronous variant for the hot path (no fiber): returns the value or an `InvalidRequest`. */
export const requestDecoderSync = <S extends Schema.Decoder<unknown, never>>(schema: S) => {
  const decode = Schema.decodeUnknownExit(schema)
  return (
    input: unknown,
  ): { readonly ok: true; readonly value: S["Type"] } | { readonly ok: false; readonly error: InvalidRequest } => {
    const exit = decode(input, { errors: "all" })
    if (exit._tag === "Success") return { ok: true, value: exit.value }
    const err = exit.cause.reasons.find((r) => r._tag === "Fail")
    if (err && err._tag === "Fail") return { ok: false, error: toInvalidRequest(err.error) }
    return { ok: false, error: new InvalidRequest({ message: "Invalid request", param: null, code: null }) }
  }
}
