import { type BucketLimits, StateUnavailable } from "@switchyard/core"
import * as Effect from "effect/Effect"
import type { Connection } from "./connection.js"
import type { Keys } from "./keys.js"
import { BREAKER_ARGS } from "./lua/breaker.js"
import { newsMessage } from "./news.js"

const UNAVAILABLE = new StateUnavailable({
  message:
    "The shared live state did not answer in time; this gateway is configured to refuse rather than route on local state",
})

const unavailable = () => Effect.fail(UNAVAILABLE)

/**
 * Most operations one endpoint's batch carries (bookkeeping and decisions together): a batch that reaches it is
 * sent at once instead of at the end of the turn, which bounds the script's arguments and its run time on Redis
 * (a few µs of Redis CPU an operation: ≈ 11 µs for the four of a request in `pnpm bench:handler`).
 */
export const MAX_BATCH_OPS = 256

/** A caller waiting for its decision's reply in a batch (one object per caller, no closures). */
class Waiter<A = unknown, E = unknown> {
  done = false
  constructor(
    private readonly resume: (effect: Effect.Effect<A, E>) => void,
    private readonly decode: (reply: ReadonlyArray<string>) => A,
    /** Built only when needed: the local fallback's effect is not built for every decision. */
    private readonly onError: () => Effect.Effect<A, E>,
    private readonly conn: Connection,
  ) {}
  answer(reply: ReadonlyArray<string>): void {
    this.resume(Effect.succeed(this.decode(reply)))
  }
  fail(error: unknown): void {
    this.conn.failed(error)
    this.resume(this.onError())
  }
}

/** One endpoint's `syBatch` call being built: its arguments, and who waits for which reply. */
interface Batch {
  readonly endpointId: string
  readonly args: Array<string>
  ops: number
  readonly waiters: Array<Waiter>
  timer: ReturnType<typeof setTimeout> | undefined
  /**
   * The configured limits in the header: set by the first operation that runs with limits (the endpoint's, or those
   * its reservation was taken under; a Health record takes none).
   */
  limits: BucketLimits | undefined
  /**
   * The instants of the Health successes queued since the batch's last operation on Health (`R`, `A`, `L`): sent as one
   * run (`Y`) right before the next such operation, or at the end of the arguments when the batch goes — so after the
   * bucket operations queued meanwhile (`S` `G` `O` `V`: they neither read nor change Health, so the result is the
   * same as in issue order).
   */
  readonly successes: Array<string>
  /** It carries news (`write`'s `news`): a call that fails or is not sent tells `onNewsLost`. */
  news: boolean
}

/** Where the limits go in a batch's arguments (after the two keys and the breaker config). */
const LIMITS_AT = 2 + BREAKER_ARGS
/** Where what the replica holds open goes (after the limits, the TTL and the replica id): count, last expiry. */
const HELD_AT = LIMITS_AT + 4

/** State hashes read along with the bookkeeping (see `Shared.readAlong`). */
export interface ReadAlong {
  readonly keys: ReadonlyArray<string>
  readonly fields: ReadonlyArray<string>
  /** The reply: one HMGET reply per key, read after the bookkeeping ran. */
  readonly read: (reply: unknown) => void
  /** The call failed (the connection is told as well). */
  readonly failed: () => void
}

/** A replica's reservations open on one endpoint (see `Shared.held`). */
export interface Held {
  readonly count: number
  /** The expiry of the last reservation taken (ms). */
  readonly last: number
}

/**
 * How each store operation uses Redis: try Redis while it is up, and answer `local` when it is down
 * or fails (the failure degrades the connection, see `Connection`). Nothing waits longer than
 * `timeoutMs` (plus one turn of the event loop).
 *
 * What one endpoint's callers issue — bookkeeping (settle, release, observe, Health records) and decisions
 * (admissions, reservations) — is queued in one `syBatch` script call, its operations in the order they were issued.
 * A batch that holds a decision is sent at the end of its turn (`setImmediate`); one that holds bookkeeping alone
 * waits for a decision on its endpoint, or at most `bookkeepingMs` (then every queued batch goes); news and the
 * upstream's capacity signals send their endpoint's batch at once; any other read sends every batch first (so Redis
 * sees what it reads in the order this replica issued it); a batch that reaches `MAX_BATCH_OPS` goes at once.
 * Each decision gets its own reply from the call, with its own fallback (`local`, or `StateUnavailable` for a
 * fail-closed gate); bookkeeping waits for nothing.
 */
export class Shared {
  private readonly timeoutMs: number
  /** The reservation TTL (ms) as `syBatch`'s header carries it. */
  private readonly ttl: string
  private readonly replicaId: string
  private readonly pending = new Map<string, Batch>()
  private scheduled = false
  /** The send of batches that hold bookkeeping alone, at most `bookkeepingMs` after the first was queued. */
  private bookkeeping: ReturnType<typeof setTimeout> | undefined = undefined
  private readonly bookkeepingMs: number
  private readonly flushNow = () => this.flush()
  /** The end of the turn: the batches that hold a decision (all of them with `bookkeepingMs` 0), in one write. */
  private readonly flushDecisions = () => {
    this.scheduled = false
    this.conn.together(this.sendDecisions)
  }
  private readonly sendDecisions = () => this.sendQueued(this.bookkeepingMs <= 0)
  private readonly sendPending = () => this.sendQueued(true)
  /**
   * The queued batches that wait for a decision leave; with `all`, those of bookkeeping alone too (`sendBooks`). On one
   * Redis, the bookkeeping queued on any endpoint goes along with decisions, and the reads `readAlong` wants: one
   * `syTurn` call for all of them. On a cluster each decision's batch is its own `syBatch`, and without `all` the
   * bookkeeping alone stays queued.
   */
  private sendQueued(all: boolean): void {
    const decisions: Array<Batch> = []
    const books: Array<Batch> = []
    for (const [endpointId, batch] of this.pending) {
      const decides = batch.waiters.length > 0
      if (!decides && !all) continue
      this.pending.delete(endpointId)
      if (decides) decisions.push(batch)
      else books.push(batch)
    }
    if (decisions.length === 0 || this.conn.cluster) {
      for (const batch of decisions) this.sendBatch(batch)
      this.sendBooks(books)
      return
    }
    // what is still queued is bookkeeping alone: it goes along
    for (const [endpointId, batch] of this.pending) {
      this.pending.delete(endpointId)
      books.push(batch)
    }
    this.stopBookkeeping()
    this.sendTogether(decisions.concat(books))
  }
  /**
   * Told when this replica reports news that changes how an endpoint is planned (a cooldown, a failure, an
   * upstream block): what it cached of that endpoint's state is stale.
   */
  onNews: (endpointId: string) => void = () => {}
  /** What this replica holds open on an endpoint as a call leaves (`syBatch` ARGV 12, 13; the capacity store's). */
  held: (endpointId: string) => Held | undefined = () => undefined
  /** Where news is published for the other replicas (`Keys.news`; undefined: not published, no leases). */
  newsChannel: string | undefined = undefined
  /**
   * Told when a publish of news fails — Redis refused it (an ACL user without the channel), or the connection went
   * (then the call sent just before fails as well and degrades the store): the news feed's concern, not the store's.
   */
  onPublishFailed: (error: unknown) => void = () => {}
  /**
   * Told of an endpoint whose news (`write` with `news`) did not reach Redis: written while degraded (nothing is sent
   * then), or in a call that failed or was not sent. The Health store keeps it for the resumption (`held-news.ts`).
   */
  onNewsLost: (endpointId: string) => void = () => {}
  /**
   * What the batches that leave together read along in the same call (`syTurn`, one Redis only): the state
   * hashes the live state wants renewed (its cached snapshot), the fields, and who takes the reply; undefined: none.
   */
  readAlong: () => ReadAlong | undefined = () => undefined

  constructor(
    private readonly conn: Connection,
    private readonly keys: Keys,
    /** The breaker config as `syBatch`'s first ARGV. */
    private readonly breaker: ReadonlyArray<string>,
  ) {
    this.timeoutMs = conn.options.timeoutMs
    this.bookkeepingMs = conn.options.bookkeepingMs
    this.ttl = String(conn.options.reservationTtlMs)
    this.replicaId = conn.options.replicaId
  }

  /**
   * `run()`, answered within `timeoutMs`: its result, or `onError` with the failure or the timeout.
   * When the timer fires, the verdict waits for the event loop's check phase (`setImmediate`), after
   * the poll phase has read any reply already on the socket: a busy process (a long turn of the
   * event loop) does not mistake a reply that arrived in time for a slow Redis.
   */
  private within<A>(run: () => Promise<A>, onResult: (a: A) => void, onError: (e: unknown) => void): void {
    this.flush()
    let done = false
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (done) return
          done = true
          onError(timedOut(this.timeoutMs))
        }),
      this.timeoutMs,
    )
    run().then(
      (a) => {
        if (done) return
        done = true
        clearTimeout(timer)
        onResult(a)
      },
      (e: unknown) => {
        if (done) return
        done = true
        clearTimeout(timer)
        onError(e)
      },
    )
  }

  /** A read or decision: Redis's answer, else `local` (never fails). */
  read<A, E = never>(run: () => Promise<A>, local: Effect.Effect<A, E>): Effect.Effect<A, E> {
    const conn = this.conn
    if (!conn.ok) return local
    return Effect.callback<A, E>((resume) => {
      this.within(
        run,
        (a) => resume(Effect.succeed(a)),
        (error) => {
          conn.failed(error)
          resume(local)
        },
      )
    })
  }

  /** A request gate: as `read`, but a fail-closed store answers `StateUnavailable` instead of `local`. */
  gate<A>(run: () => Promise<A>, local: Effect.Effect<A, StateUnavailable>): Effect.Effect<A, StateUnavailable> {
    if (this.conn.options.onError === "open") return this.read(run, local)
    const conn = this.conn
    if (!conn.ok) return Effect.fail(UNAVAILABLE)
    return Effect.callback<A, StateUnavailable>((resume) => {
      this.within(
        run,
        (a) => resume(Effect.succeed(a)),
        (error) => {
          conn.failed(error)
          resume(Effect.fail(UNAVAILABLE))
        },
      )
    })
  }

  /**
   * A decision (`syBatch`'s `V` or `A` operation) on one endpoint's state, sent with that endpoint's batch: its
   * reply `decode`d, else `local()` (never fails; built only when answered locally).
   */
  decide<A, E = never>(
    endpointId: string,
    limits: BucketLimits,
    op: ReadonlyArray<string>,
    decode: (reply: ReadonlyArray<string>) => A,
    local: () => Effect.Effect<A, E>,
  ): Effect.Effect<A, E> {
    if (!this.conn.ok) return local()
    return this.join(endpointId, limits, op, decode, local)
  }

  /** A request gate decided in the batch: as `decide`, but a fail-closed store answers `StateUnavailable`. */
  decideGate<A>(
    endpointId: string,
    limits: BucketLimits,
    op: ReadonlyArray<string>,
    decode: (reply: ReadonlyArray<string>) => A,
    local: () => Effect.Effect<A, StateUnavailable>,
  ): Effect.Effect<A, StateUnavailable> {
    if (this.conn.options.onError === "open") return this.decide(endpointId, limits, op, decode, local)
    if (!this.conn.ok) return Effect.fail(UNAVAILABLE)
    return this.join(endpointId, limits, op, decode, unavailable)
  }

  private join<A, E>(
    endpointId: string,
    limits: BucketLimits,
    op: ReadonlyArray<string>,
    decode: (reply: ReadonlyArray<string>) => A,
    onError: () => Effect.Effect<A, E>,
  ): Effect.Effect<A, E> {
    return Effect.callback<A, E>((resume) => {
      const batch = this.batchOf(endpointId, limits)
      batch.waiters.push(new Waiter(resume, decode, onError, this.conn) as Waiter)
      // every caller of the batch joined it in this turn: one deadline for them all (see `within`)
      batch.timer ??= setTimeout(() => setImmediate(() => expire(batch, this.timeoutMs)), this.timeoutMs)
      this.add(endpointId, batch, op)
    })
  }

  /**
   * Queue a bookkeeping operation (`syBatch`'s `S`, `O` or `R`) on one endpoint's state, run with `limits` (`S`, `O`;
   * none for `R`); `urgent` (the upstream's capacity signals) sends the endpoint's batch now; `news` (a cooldown, a
   * failure, an upstream block: it changes how the endpoint is planned) also tells `onNews` and publishes the
   * endpoint on the news channel right after the call (every replica's leases on it end, see `lease.ts`).
   */
  write(
    endpointId: string,
    limits: BucketLimits | undefined,
    op: ReadonlyArray<string>,
    urgent = false,
    news = false,
  ): void {
    if (news) this.onNews(endpointId)
    if (!this.conn.ok) {
      if (news) this.onNewsLost(endpointId)
      return
    }
    const batch = this.batchOf(endpointId, limits)
    if (news) batch.news = true
    this.add(endpointId, batch, op)
    // now, with what the endpoint's batch holds already (the others wait as they would have)
    if ((urgent || news) && this.pending.get(endpointId) === batch) {
      this.pending.delete(endpointId)
      this.sendBatch(batch)
    }
    // after the call that records it: a replica told of it reads the state with the news in it
    if (news && this.newsChannel !== undefined && this.conn.ok) {
      const message = newsMessage(this.replicaId, endpointId)
      // not the store's failure (a Redis down fails the call sent just before): the news feed's (see `onPublishFailed`)
      this.conn.redis.publish(this.newsChannel, message).catch(this.onPublishFailed)
    }
  }

  /**
   * The endpoint's batch of this turn, for an operation run with `limits`: one whose header holds other limits (a
   * reservation taken before the catalog changed them) is sent first, and a new one started.
   */
  private batchOf(endpointId: string, limits: BucketLimits | undefined): Batch {
    let batch = this.pending.get(endpointId)
    if (
      batch?.limits !== undefined &&
      limits !== undefined &&
      (batch.limits.tokensPerMinute !== limits.tokensPerMinute ||
        batch.limits.requestsPerMinute !== limits.requestsPerMinute)
    ) {
      this.pending.delete(endpointId)
      this.sendBatch(batch)
      batch = undefined
    }
    if (batch === undefined) {
      const args = [this.keys.state(endpointId), this.keys.reservations(endpointId)]
      for (const a of this.breaker) args.push(a)
      args.push("", "", this.ttl, this.replicaId, "0", "")
      batch = {
        endpointId,
        args,
        ops: 0,
        waiters: [],
        timer: undefined,
        limits: undefined,
        successes: [],
        news: false,
      }
      this.pending.set(endpointId, batch)
    }
    if (limits !== undefined && batch.limits === undefined) {
      batch.limits = limits
      batch.args[LIMITS_AT] = arg(limits.tokensPerMinute)
      batch.args[LIMITS_AT + 1] = arg(limits.requestsPerMinute)
    }
    return batch
  }

  /**
   * Queue a Health success (`R` with event `S` and no cooldown: never news) on one endpoint's state, recorded at `t`:
   * one more instant in the batch's run of successes (`Y`, see `successes`). Redis applies the run's successes in
   * issue order, each at its own `t`, as it applies `R` (see `BATCH_LUA`): one operation and one argument per request
   * instead of four.
   */
  success(endpointId: string, t: number): void {
    if (!this.conn.ok) return
    const batch = this.batchOf(endpointId, undefined)
    batch.successes.push(String(t))
    this.schedule(endpointId, batch)
  }

  private add(endpointId: string, batch: Batch, op: ReadonlyArray<string>): void {
    const code = op[0]
    // an operation on Health (`R`, and the admissions `A` `L`) comes after the successes issued before it
    if (code === "R" || code === "A" || code === "L") endRun(batch)
    for (const a of op) batch.args.push(a)
    this.schedule(endpointId, batch)
  }

  private schedule(endpointId: string, batch: Batch): void {
    if (++batch.ops >= MAX_BATCH_OPS) {
      this.pending.delete(endpointId)
      this.sendBatch(batch)
    } else if (batch.waiters.length > 0 || this.bookkeepingMs <= 0) {
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(this.flushDecisions)
      }
    } else if (this.bookkeeping === undefined) {
      this.bookkeeping = setTimeout(this.flushNow, this.bookkeepingMs)
      this.bookkeeping.unref()
    }
  }

  /**
   * Send a command without waiting for its reply (a failure degrades the connection). `unsent` runs when it did not
   * reach Redis: not sent (degraded) or failed.
   */
  send(run: () => Promise<unknown>, unsent?: () => void): void {
    const conn = this.conn
    if (!conn.ok) {
      unsent?.()
      return
    }
    run().catch((error: unknown) => {
      conn.failed(error)
      unsent?.()
    })
  }

  /**
   * The batches of bookkeeping alone leave now, in one call with what `readAlong` wants read (the batches that hold a
   * decision leave at the end of the turn, as always): false when none was queued.
   */
  sendBookkeeping(): boolean {
    const books: Array<Batch> = []
    for (const [endpointId, batch] of this.pending)
      if (batch.waiters.length === 0) {
        this.pending.delete(endpointId)
        books.push(batch)
      }
    this.stopBookkeeping()
    this.sendBooks(books)
    return books.length > 0
  }

  /** No bookkeeping is queued alone any more: its timer stops. */
  private stopBookkeeping(): void {
    if (this.bookkeeping !== undefined) {
      clearTimeout(this.bookkeeping)
      this.bookkeeping = undefined
    }
  }

  /** Send every queued batch now (one script per endpoint). */
  flush(): void {
    this.stopBookkeeping()
    if (this.pending.size === 0) return
    // several endpoints' calls: one socket write
    this.conn.together(this.sendPending)
    this.pending.clear()
  }

  /** A batch's last arguments, as it leaves: its run of successes, what the replica holds open on the endpoint. */
  private seal(batch: Batch): void {
    endRun(batch)
    const held = this.held(batch.endpointId)
    if (held !== undefined && held.count > 0) {
      batch.args[HELD_AT] = String(held.count)
      batch.args[HELD_AT + 1] = String(held.last)
    }
  }

  /**
   * Batches of bookkeeping alone (no reply waited for), of several endpoints: on one Redis one `syTurn` call for them
   * all (each run as its own `syBatch` would run it, one after the other), instead of one call each; on a cluster (the
   * endpoints' keys are in several slots), or for one batch, one `syBatch` each.
   */
  private sendBooks(books: ReadonlyArray<Batch>): void {
    if (books.length === 0) return
    if (this.conn.cluster) {
      for (const batch of books) this.sendBatch(batch)
      return
    }
    this.sendTogether(books)
  }

  /**
   * Batches that leave together (one Redis), with what `readAlong` wants read: one `syTurn` call, or the batch's own
   * `syBatch` when it is alone and nothing is read along.
   */
  private sendTogether(batches: ReadonlyArray<Batch>): void {
    const along = this.conn.ok ? this.readAlong() : undefined
    if (along === undefined && batches.length === 1) this.sendBatch(batches[0]!)
    else this.sendTurn(batches, along)
  }

  /**
   * Several endpoints' batches in one `syTurn` call (one Redis), with the state hashes `along` wants read after them:
   * each batch's decisions answered from its part of the reply, the reads handed to `along`.
   */
  private sendTurn(batches: ReadonlyArray<Batch>, along: ReadAlong | undefined): void {
    if (!this.conn.ok) {
      // degraded meanwhile: bookkeeping alone is not sent (as `send`), decisions get their fallback from the call
      for (const batch of batches)
        if (batch.waiters.length > 0) this.sendBatch(batch)
        else this.lost(batch)
      return
    }
    // KEYS: each batch's two, then the hashes read along; ARGV: how many keys the batches have, each batch's syBatch
    // ARGV preceded by its length, then the fields read
    const args: Array<string> = []
    for (const batch of batches) {
      this.seal(batch)
      args.push(batch.args[0]!, batch.args[1]!)
    }
    if (along !== undefined) for (const k of along.keys) args.push(k)
    const keyCount = args.length
    args.push(String(2 * batches.length))
    for (const batch of batches) {
      const a = batch.args
      args.push(String(a.length - 2))
      for (let i = 2; i < a.length; i++) args.push(a[i]!)
    }
    if (along !== undefined) for (const f of along.fields) args.push(f)
    this.conn.scriptWith("syTurn", args, keyCount).then(
      (reply) => {
        const parts = reply as ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>
        for (let i = 0; i < batches.length; i++) answer(batches[i]!, parts[i] ?? [])
        along?.read(parts[batches.length])
      },
      (error: unknown) => {
        let waited = false
        for (const batch of batches) {
          if (fail(batch, error)) waited = true
          this.lost(batch)
        }
        along?.failed()
        // bookkeeping alone: the failure degrades the connection (a decision's fallback does already)
        if (!waited) this.conn.failed(error)
      },
    )
  }

  /** One batch's `syBatch` call: bookkeeping alone is sent without waiting, decisions are answered from the reply. */
  private sendBatch(batch: Batch): void {
    this.seal(batch)
    const waiters = batch.waiters
    if (waiters.length === 0) {
      this.send(
        () => this.conn.scriptWith("syBatch", batch.args),
        () => this.lost(batch),
      )
      return
    }
    this.conn.scriptWith("syBatch", batch.args).then(
      (reply) => answer(batch, reply as ReadonlyArray<ReadonlyArray<string>>),
      (error: unknown) => {
        fail(batch, error)
        this.lost(batch)
      },
    )
  }

  /** A batch that did not reach Redis: its news, if any, is told to `onNewsLost`. */
  private lost(batch: Batch): void {
    if (batch.news) this.onNewsLost(batch.endpointId)
  }
}

/** A batch's decisions answered from its reply (one reply per decision, in order). */
const answer = (batch: Batch, replies: ReadonlyArray<ReadonlyArray<string>>): void => {
  clearTimeout(batch.timer)
  const waiters = batch.waiters
  for (let i = 0; i < waiters.length; i++) {
    const w = waiters[i]!
    if (w.done) continue
    w.done = true
    const r = replies[i]
    try {
      if (r === undefined) throw new Error("Redis answered a batch without every decision's reply")
      w.answer(r)
    } catch (error) {
      w.fail(error)
    }
  }
}

/** A batch's call failed: each decision still waiting gets its fallback. Whether the batch held any decision. */
const fail = (batch: Batch, error: unknown): boolean => {
  clearTimeout(batch.timer)
  for (const w of batch.waiters)
    if (!w.done) {
      w.done = true
      w.fail(error)
    }
  return batch.waiters.length > 0
}

/** The batch's queued successes as one run (`Y`: how many, then each one's instant) at the end of its arguments. */
const endRun = (batch: Batch): void => {
  const n = batch.successes.length
  if (n === 0) return
  const args = batch.args
  args.push("Y", String(n))
  for (let i = 0; i < n; i++) args.push(batch.successes[i]!)
  batch.successes.length = 0
}

const timedOut = (ms: number) => new Error(`Redis did not answer within ${ms} ms`)

/** The batch's deadline passed: every caller still waiting gets its fallback. */
const expire = (batch: Batch, timeoutMs: number): void => {
  for (const w of batch.waiters)
    if (!w.done) {
      w.done = true
      w.fail(timedOut(timeoutMs))
    }
}

/** A number stored by the scripts (`%.17g`, `inf`); `''`/null → undefined. */
export const num = (s: string | null | undefined): number | undefined =>
  s === null || s === undefined || s === "" ? undefined : s === "inf" ? Number.POSITIVE_INFINITY : Number(s)

/** A number for a script argument (`''` for undefined). */
export const arg = (n: number | undefined): string =>
  n === undefined ? "" : n === Number.POSITIVE_INFINITY ? "inf" : String(n)
