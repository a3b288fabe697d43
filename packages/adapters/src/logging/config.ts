import { ConfigInvalid, configStruct } from "@switchyard/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

/** Lowest level written: `info` writes info, warn and error lines; `none` writes nothing. */
export const LogLevelName = Schema.Literals(["trace", "debug", "info", "warn", "error", "none"])
export type LogLevelName = typeof LogLevelName.Type

/** `json`: one JSON object a line (for log pipelines); `pretty`: one readable line each (and the startup banner). */
export const LogFormat = Schema.Literals(["json", "pretty"])
export type LogFormat = typeof LogFormat.Type

/** The config file's top-level `logging` section. */
export const LoggingSection = configStruct({
  level: Schema.optionalKey(LogLevelName),
  format: Schema.optionalKey(LogFormat),
})
export type LoggingSection = typeof LoggingSection.Type

export interface LoggingConfig {
  readonly level: LogLevelName
  readonly format: LogFormat
}

export const DEFAULT_LOGGING: LoggingConfig = { level: "info", format: "pretty" }

const isLevel = Schema.is(LogLevelName)
const isFormat = Schema.is(LogFormat)

const badEnv = (name: string, value: string, allowed: ReadonlyArray<string>) =>
  new ConfigInvalid({
    message: `Invalid gateway config: ${name}: "${value.slice(0, 40)}" is not one of ${allowed.join(", ")}`,
    path: name,
    issues: [`${name}: expected one of ${allowed.join(", ")}`],
  })

/**
 * The logging in force: `SWITCHYARD_LOG_LEVEL` / `SWITCHYARD_LOG_FORMAT` win over the config's
 * `logging` section, which wins over the defaults (`info`, `pretty`). An invalid variable is a config error.
 */
export const resolveLogging = (
  section: LoggingSection | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Result.Result<LoggingConfig, ConfigInvalid> => {
  const level = env.SWITCHYARD_LOG_LEVEL?.toLowerCase() || undefined
  const format = env.SWITCHYARD_LOG_FORMAT?.toLowerCase() || undefined
  if (level !== undefined && !isLevel(level))
    return Result.fail(badEnv("SWITCHYARD_LOG_LEVEL", level, LogLevelName.literals))
  if (format !== undefined && !isFormat(format))
    return Result.fail(badEnv("SWITCHYARD_LOG_FORMAT", format, LogFormat.literals))
  return Result.succeed({
    level: level ?? section?.level ?? DEFAULT_LOGGING.level,
    format: format ?? section?.format ?? DEFAULT_LOGGING.format,
  })
}
