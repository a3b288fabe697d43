/**
 * What the gateway masks in upstream text (error fields, traces, in-band stream errors, log lines),
 * collected from the config so that it holds whatever a provider plugin does with its options:
 *
 *   configuredSecrets(providers, keys, env) → ["sk-live-…", "internal-llm.corp:8443", …]
 *
 * - every `{ "env": "NAME" }` value anywhere in a provider's options (the config's form for secrets);
 * - literal strings under option names that hold credentials (`apiKey`, `accessToken`, `secret`, …);
 * - every value of a provider's extra `headers` (they usually carry credentials);
 * - the host (and host:port) of every URL in the options (clients never see upstream addresses);
 * - the gateway keys, and other secret values of the config (the Redis URL of `state`, with its host and password).
 */
import type { ProviderConfig } from "@switchyard/core"
import type { GatewayKey } from "../auth/key-ring.js"

type Env = Readonly<Record<string, string | undefined>>

const CREDENTIAL_NAME = /key|token|secret|password|credential|auth/i
const MAX_DEPTH = 8

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The host (and host:port) of a URL, and its password when it has one. */
const hostsOf = (text: string): Array<string> => {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return []
  try {
    const url = new URL(text)
    const parts = url.host === url.hostname ? [url.hostname] : [url.host, url.hostname]
    if (url.password !== "") parts.push(decodeURIComponent(url.password))
    return parts.filter((p) => p !== "")
  } catch {
    return []
  }
}

const collect = (value: unknown, name: string, env: Env, out: Set<string>, depth: number): void => {
  if (depth > MAX_DEPTH) return
  if (typeof value === "string") {
    if (CREDENTIAL_NAME.test(name)) out.add(value)
    for (const host of hostsOf(value)) out.add(host)
    return
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, name, env, out, depth + 1)
    return
  }
  if (!isObject(value)) return
  const keys = Object.keys(value)
  if (keys.length === 1 && typeof value.env === "string") {
    const resolved = env[value.env]
    if (resolved !== undefined && resolved !== "") out.add(resolved)
    return
  }
  for (const key of keys) {
    const item = value[key]
    if (name === "headers" && typeof item === "string") out.add(item)
    else collect(item, key, env, out, depth + 1)
  }
}

export const configuredSecrets = (
  providers: ReadonlyArray<ProviderConfig>,
  keys: ReadonlyArray<GatewayKey>,
  env: Env,
  others: ReadonlyArray<string> = [],
): ReadonlyArray<string> => {
  const out = new Set<string>()
  for (const p of providers) collect(p.options, "options", env, out, 0)
  for (const k of keys) out.add(k.key)
  for (const value of others) {
    out.add(value)
    for (const part of hostsOf(value)) out.add(part)
  }
  return [...out]
}
