import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { Redis } from "ioredis"
import { makeClient } from "./client.js"
import type { ResolvedRedisOptions } from "./options.js"

/** The first wait before subscribing again after Redis refused the subscription or a publish, ms (doubling). */
export const FIRST_RESUBSCRIBE_MS = 1_000
/** The longest wait between two subscriptions Redis refuses, ms. */
export const MAX_RESUBSCRIBE_MS = 30_000

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
 *
 * A subscription or a publish that Redis refuses (an ACL user without permission on the channel: Redis 7's default
 * for new users) is no failure of the store: it means no news feed — no leases on this replica, one warning line —
 * and the feed disconnects and subscribes again later, 1 s doubling to 30 s, until Redis accepts (one info line).
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
  /** The wait before the next subscription after a refusal, ms. */
  private retryMs = FIRST_RESUBSCRIBE_MS
  private retry: ReturnType<typeof setTimeout> | undefined = undefined
  /** Redis refused the subscription or a publish, and has not accepted a subscription since (logged once). */
  private refusing = false

  constructor(
    options: ResolvedRedisOptions,
    private readonly channel: string,
    private readonly context: Context.Context<never>,
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
        this.retryMs = FIRST_RESUBSCRIBE_MS
        if (this.refusing) {
          this.refusing = false
          this.log(Effect.logInfo("news channel subscribed again: admission leases back on"))
        }
        this.started?.()
        this.started = undefined
      },
      (error: unknown) => this.backOff(error),
    )
  }

  /**
   * A publish of this replica's news failed (`Shared.write`): refused by Redis, the feed backs off as for a refused
   * subscription. One that failed without Redis's answer (the connection went) is not a refusal: the store's own call,
   * sent just before, fails as well, and the feed's connection is lost with it.
   */
  publishFailed(error: unknown): void {
    if (isReplyError(error)) this.backOff(error)
  }

  /**
   * No news feed (the subscription failed, or Redis refused a publish): leases end (the subscription counts as lost),
   * one warning line when Redis refused, and the feed disconnects and subscribes again after the backoff.
   */
  private backOff(error: unknown): void {
    if (this.closing) return
    if (isReplyError(error) && !this.refusing) {
      this.refusing = true
      this.log(
        Effect.logWarning(
          "news channel refused: no admission leases on this replica (every admission asks Redis)",
        ).pipe(
          Effect.annotateLogs({
            channel: this.channel,
            reason: error instanceof Error ? error.message : String(error),
          }),
        ),
      )
    }
    // no point in waiting for a subscription at the start
    this.started?.()
    this.started = undefined
    this.lost()
    if (this.retry !== undefined) return
    this.client.disconnect(false)
    this.retry = setTimeout(() => {
      this.retry = undefined
      if (!this.closing) this.client.connect().catch(() => {})
    }, this.retryMs)
    this.retry.unref()
    this.retryMs = Math.min(this.retryMs * 2, MAX_RESUBSCRIBE_MS)
  }

  private log(effect: Effect.Effect<void>): void {
    Effect.runForkWith(this.context)(effect.pipe(Effect.annotateLogs({ backend: "redis" })))
  }

  private lost(): void {
    if (this.subscribed) this.epoch++
    this.subscribed = false
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.retry !== undefined) clearTimeout(this.retry)
    this.lost()
    await this.client.quit().catch(() => this.client.disconnect())
  }
}

/** An error Redis answered (`NOPERM`, …), not one of the connection. */
const isReplyError = (error: unknown): boolean => error instanceof Error && error.name === "ReplyError"
