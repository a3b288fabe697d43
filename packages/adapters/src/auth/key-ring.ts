import { createHash, timingSafeEqual } from "node:crypto"
import type { RouteRequest } from "@switchyard/core"

export type KeyDefaults = NonNullable<RouteRequest["keyDefaults"]>

/** A gateway API key (what clients send as `Authorization: Bearer …`), never an upstream key. */
export interface GatewayKey {
  /** Name for logs and metrics; the key itself is never logged. */
  readonly name: string
  readonly key: string
  /** Routing defaults for requests made with this key (request fields win). */
  readonly defaults?: KeyDefaults | undefined
}

interface Entry {
  readonly digest: Buffer
  readonly key: GatewayKey
}

const digest = (s: string): Buffer => createHash("sha256").update(s).digest()

/** `Bearer <token>` (scheme case-insensitive) → token. */
const bearerToken = (header: string | undefined): string | undefined => {
  if (header === undefined || header.length < 8) return undefined
  if (header.slice(0, 7).toLowerCase() !== "bearer ") return undefined
  const token = header.slice(7).trim()
  return token === "" ? undefined : token
}

/**
 * The set of gateway keys. Comparison is constant-time: the presented token and every key are
 * compared as SHA-256 digests with `timingSafeEqual`, and every entry is checked (no early exit), so
 * timing reveals neither a key's length nor its prefix. An empty ring means the gateway is open.
 */
export class KeyRing {
  private constructor(private readonly entries: ReadonlyArray<Entry>) {}

  static make(keys: ReadonlyArray<GatewayKey>): KeyRing {
    return new KeyRing(keys.map((key) => ({ digest: digest(key.key), key })))
  }

  static readonly open: KeyRing = new KeyRing([])

  get isOpen(): boolean {
    return this.entries.length === 0
  }

  get size(): number {
    return this.entries.length
  }

  /**
   * `undefined` when the request is not authorized; otherwise the matching key (or `null` on an open
   * gateway).
   */
  authenticate(authorization: string | undefined): GatewayKey | null | undefined {
    if (this.entries.length === 0) return null
    const token = bearerToken(authorization)
    if (token === undefined) return undefined
    const presented = digest(token)
    let found: GatewayKey | undefined
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented) && found === undefined) found = entry.key
    }
    return found
  }
}
