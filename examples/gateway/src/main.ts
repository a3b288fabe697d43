/**
 * `pnpm start` (or `npm start`) from the repo root: the Switchyard gateway on 127.0.0.1:8787.
 *
 *   --config <file>   a config file (catalog + `gateway` section); reloaded on change or SIGHUP
 *   --capture <file>  record the shape of every routed request (JSONL, no text, no keys) for `pnpm simulate --trace`
 *   PORT, HOST        listen address (default 127.0.0.1:8787)
 *   SWITCHYARD_KEYS   comma-separated gateway keys (none: the gateway is open — a warning is logged)
 *   SWITCHYARD_REDIS_URL  share live state (capacity, health, stats) with every replica on this Redis
 *                         (the config's own `state` section wins)
 *
 * Without --config it runs the embedded default config: simulated providers, no API keys needed.
 */
import { StartupConfigError, startGateway } from "./gateway.js"

const argValue = (name: string): string | undefined => {
  const args = process.argv.slice(2)
  const i = args.indexOf(name)
  if (i >= 0) return args[i + 1]
  const inline = args.find((a) => a.startsWith(`${name}=`))
  return inline?.slice(name.length + 1)
}

const configFile = argValue("--config")
const capture = argValue("--capture")
const port = Number(process.env.PORT ?? 8787)
const host = process.env.HOST ?? "127.0.0.1"

const banner = (url: string, models: ReadonlyArray<string>, file: string | undefined) =>
  `
  Switchyard gateway listening on ${url}
  config: ${file ?? "embedded default (simulated providers, no API keys needed)"}
  models: ${models.join(", ")}
  dashboard: ${url}/dashboard

  Try it:
    curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
      -d '{"model":"google/gemini-2.5-pro-preview","messages":[{"role":"user","content":"Hello"}]}' -i | grep -i 'x-switchyard\\|"provider"'
    # PT mode: add "provider":{"order":["google-vertex/pt"],"allow_fallbacks":true}
    # why this route: add -H 'x-switchyard-trace: true'
    curl -s ${url}/v1/models/google/gemini-2.5-pro-preview/endpoints
    curl -s ${url}/metrics
`

try {
  const running = await startGateway({ configFile, port, host, capture })
  if (running.config.logging.format === "pretty") console.log(banner(running.url, running.models, configFile))
  const shutdown = (signal: string) => {
    const grace = running.shutdownGraceMs
    if (running.config.logging.format === "pretty")
      console.error(`[switchyard] ${signal}: finishing in-flight requests (grace ${grace} ms), then shutting down`)
    // a backstop only: the drain itself ends every response at the end of the grace
    const stuck = setTimeout(() => {
      console.error("[switchyard] shutdown did not complete; exiting")
      process.exit(1)
    }, grace + 15_000)
    stuck.unref()
    running.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`[switchyard] shutdown failed: ${e instanceof Error ? e.message : String(e)}`)
        process.exit(1)
      },
    )
  }
  process.once("SIGTERM", () => shutdown("SIGTERM"))
  process.once("SIGINT", () => shutdown("SIGINT"))
} catch (e) {
  if (e instanceof StartupConfigError) console.error(`[switchyard] cannot start: ${e.message}`)
  else console.error(`[switchyard] cannot start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
}
