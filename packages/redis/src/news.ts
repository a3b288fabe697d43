import type { Redis } from "ioredis"
import { makeClient } from "./client.js"
import type { ResolvedRedisOptions } from "./options.js"

/** What a replica publishes on the news channel: its id and the endpoint's. */
export const newsMessage = (replicaId: string, endpointId: string): string => JSON.stringify([replicaId, endpointId])

/** A news message read back; anything else is taken as a bare endpoint id, as earlier builds published it. */
const newsOf = (message: string): { readonly replicaId: string | undefined; readonly endpointId: string } => {
  const v = message.startsWith("[") ? parsed(message) : undefined
  return Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string"
    ? { replicaId: v[0], endpointId: v[1] }
    : { replicaId: undefined, endpointId: message }
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * The news other replicas report, as they report it: a second connection to the one Redis, subscribed to the
 * fleet's news channel (`Keys.news`), on which every replica publishes its id and the id of an endpoint
 * (`newsMessage`) right after the `syBatch` call that recorded a cooldown, a failure or an upstream block on it
 * (`Shared.write`). A replica's own news comes back too and is skipped: it was applied when it was sent, and its echo
 * may arrive after a lease that Redis granted with the news already in the state, which it must not end. What a replica
 * admits on its own — its leases (`lease.ts`) — is only as good as this subscription: `live` says it is subscribed
 * now, and `epoch` counts the times it was lost (a lease given before a loss may have missed news and is not used).
 * Reconnects with the main connection's backoff and subscribes again on every (re)connection.
 */
export class NewsFeed {
  private readonly client: Redis
  private subscribed = false
  private closing = false
  /** `start`'s wait, ended by the first subscription. */
  private started: (() => void) | undefined = undefined
  /** Counts the times the subscription was lost. */
  epoch = 0
  /** Told of each endpoint another replica reported news on. */
  onNews: (endpointId: string) => void = () => {}

  constructor(
    options: ResolvedRedisOptions,
    private readonly channel: string,
  ) {
    const replicaId = options.replicaId
    this.client = makeClient({ ...options, replicaId: `${replicaId}:news` }) as Redis
    this.client.on("error", () => {})
    this.client.on("ready", () => this.subscribe())
    this.client.on("close", () => this.lost())
    this.client.on("message", (_channel: string, message: string) => {
      const news = newsOf(message)
      if (news.replicaId !== replicaId) this.onNews(news.endpointId)
    })
  }

  get live(): boolean {
    return this.subscribed
  }

  /** Connect and subscribe (the "ready" handler), waiting at most `ms`; a feed that is not live gives no leases. */
  start(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      timer.unref()
      this.started = () => {
        clearTimeout(timer)
        resolve()
      }
      this.client.connect().catch(() => {})
    })
  }

  private subscribe(): void {
    this.client.subscribe(this.channel).then(
      () => {
        if (this.closing) return
        this.subscribed = true
        this.started?.()
        this.started = undefined
      },
      () => this.client.disconnect(true),
    )
  }

  private lost(): void {
    if (this.subscribed) this.epoch++
    this.subscribed = false
  }

  async close(): Promise<void> {
    this.closing = true
    this.lost()
    await this.client.quit().catch(() => this.client.disconnect())
  }
}
