import { hash64 } from "../hash64.js"
import type { JsonObject } from "../provider/contract.js"
import { estimatePromptTokens } from "../router/estimate.js"
import type { SimulatedPromptCache } from "./upstream-config.js"

/** What the cache did for one prompt: tokens read from it, and written to it (with `writes`). */
export interface CacheUse {
  readonly read: number
  readonly write: number
}

export const NO_CACHE_USE: CacheUse = { read: 0, write: 0 }

/** A prompt's cacheable prefixes: keys to look up (longest first, with their tokens) and the key it leaves. */
export interface PromptPrefixes {
  /** Keys of the prompt's prefixes, longest first, each with its token count (capped by the prompt). */
  readonly lookups: ReadonlyArray<readonly [key: string, tokens: number | undefined]>
  /** The key this whole prompt is stored under. */
  readonly key: string
}

/**
 * The prefixes of a request: the simulation hint's `session` (one key; the cached part is whatever this
 * endpoint stored for the session, capped by the prompt), else its messages — each leading run of
 * messages that a previous request could have sent as its whole prompt, longest first.
 */
export const promptPrefixes = (body: JsonObject, session: string | undefined): PromptPrefixes | undefined => {
  if (session !== undefined) {
    const key = `s:${session}`
    return { lookups: [[key, undefined]], key }
  }
  const messages = body.messages
  if (!Array.isArray(messages) || messages.length === 0) return undefined
  const lookups: Array<readonly [string, number]> = []
  for (let k = messages.length - 1; k >= 1; k--) {
    const head = messages.slice(0, k)
    lookups.push([`m:${hash64(JSON.stringify(head))}`, estimatePromptTokens({ messages: head })])
  }
  return { lookups, key: `m:${hash64(JSON.stringify(messages))}` }
}

interface Entry {
  tokens: number
  expiresAt: number
}

/**
 * One simulated endpoint's prompt cache (see `SimulatedPromptCache`): prefix key → the tokens it covers,
 * for `ttlMs` after its last use, at most `maxEntries` of them (least recently used go first).
 */
export class PromptCacheModel {
  private readonly entries = new Map<string, Entry>()
  private readonly ttlMs: number
  private readonly minTokens: number
  private readonly writes: boolean
  private readonly maxEntries: number

  constructor(o: SimulatedPromptCache) {
    this.ttlMs = o.ttlMs ?? 300_000
    this.minTokens = o.minTokens ?? 1_024
    this.writes = o.writes ?? false
    this.maxEntries = o.maxEntries ?? 100_000
  }

  /** A prompt of `promptTokens` with these prefixes arrives at `now`: what it reads and writes; it is cached after. */
  use(prefixes: PromptPrefixes | undefined, promptTokens: number, now: number): CacheUse {
    if (prefixes === undefined || promptTokens < this.minTokens) return NO_CACHE_USE
    let read = 0
    for (const [key, tokens] of prefixes.lookups) {
      const entry = this.entries.get(key)
      if (entry === undefined) continue
      this.entries.delete(key)
      if (entry.expiresAt <= now) continue
      entry.expiresAt = now + this.ttlMs
      this.entries.set(key, entry)
      read = Math.min(promptTokens, tokens ?? entry.tokens)
      break
    }
    this.store(prefixes.key, promptTokens, now)
    return { read, write: this.writes ? promptTokens - read : 0 }
  }

  private store(key: string, tokens: number, now: number): void {
    this.entries.delete(key)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(key, { tokens, expiresAt: now + this.ttlMs })
  }
}
