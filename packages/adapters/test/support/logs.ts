import type { Redactor } from "@switchyard/core"
import { type LoggingConfig, loggingLayer } from "../../src/index.js"

/** A runtime logging layer that keeps each JSON line (unbatched), for tests that read the log. */
export const captureLogs = (config: LoggingConfig = { level: "debug", format: "json" }, redact?: Redactor) => {
  const lines: Array<string> = []
  const layer = loggingLayer(
    config,
    (text) => {
      for (const line of text.split("\n")) if (line !== "") lines.push(line)
    },
    { batched: false, redact },
  )
  return {
    lines,
    layer,
    /** Parsed JSON records (json format). */
    records: (): Array<Record<string, unknown>> => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join("\n"),
  }
}
