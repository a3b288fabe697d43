import { createHash } from "node:crypto"
import { BREAKER_LUA } from "./breaker.js"
import { BUCKET_LUA } from "./bucket.js"
import { COMMON_LUA } from "./common.js"
import { STATE_HASH_LUA } from "./state-hash.js"

/**
 * A lease is given only while the endpoint's bucket, with the admission and the lease, stays at most this share of
 * the request's limit: near its limit every admission is decided by Redis, one by one.
 */
export const LEASE_FILL = 0.5

/**
 * The scripts, each atomic on one endpoint's keys (one hash tag, one Redis Cluster slot) — but `syRead`, which
 * reads several endpoints and is used on a single Redis only; the budget's keys share the tag `{budget}`. Replies are
 * arrays of strings (see `lua/common.ts` for the number format). Two ways to run them:
 * - Redis ≥ 7: as one function library (`FUNCTION_LIBRARY`), loaded once per connection and called by
 *   name (`FCALL`). The helper functions are defined once at load instead of on every call (about 20 µs
 *   of Redis CPU per call saved), and a restarted server gets the library again on reconnection (or
 *   when a call answers "Function not found").
 * - Older servers: each script on its own (`lua`), loaded once and called by SHA by ioredis
 *   (`EVALSHA`), re-sent on `NOSCRIPT`.
 */
export interface ScriptSource {
  /** Undefined: the caller passes the key count first. */
  readonly numberOfKeys: number | undefined
  /** The standalone script (its helper libraries, then the body). */
  readonly lua: string
  /** The body alone (`KEYS`, `ARGV`), as a function of the library. */
  readonly body: string
}

const script = (numberOfKeys: number | undefined, libraries: ReadonlyArray<string>, body: string): ScriptSource => ({
  numberOfKeys,
  lua: `${libraries.join("")}\n${body}`,
  body,
})
/** The state hash's functions write both parts: every script on it takes the bucket and the breaker. */
const STATE = [COMMON_LUA, BUCKET_LUA, BREAKER_LUA, STATE_HASH_LUA]

/**
 * `sy_batch(K1, K2, A, o, n)`: one endpoint's batch — its state hash `K1`, its reservations hash `K2`, and its arguments
 * `A[o + 1] .. A[n]` (`syBatch`'s ARGV, `o` 0; one section of `syTurn`'s). The arguments: the breaker config (1..7), then the endpoint's configured limits `ct` `cr` (tokens and requests per
 * minute, `''` none: 8, 9), the reservation TTL in ms (10), the calling replica's id (11) and what it holds open on
 * the endpoint as it sends the call — how many of its reservations are neither settled nor expired (12), and the
 * expiry of the last one it took (13, `''` none) — the same for every operation of the call; then the operations
 * (from `o + 14`), each its code then its arguments:
 * - `S` settle/release: now, tokens, requests — sent by the replica for a reservation of its own that is open and
 *   unexpired at now (it keeps them: a reservation closes once, and one past its TTL adjusts nothing);
 * - `G` a lease's rest given back: now, the lease's start, tokens, requests — each less what its limit drained since
 *   the start (at least 0), so a rest given back late takes nothing the bucket no longer holds;
 * - `O` observe: now, utilization, limitTokens, remainingTokens, limitRequests, remainingRequests, retryAfterMs,
 *   rateLimited, fallbackBlockMs;
 * - `R` record: now, event ('S' 'F' 'A' or ''), cooldown end ('' none);
 * - `Y` a run of Health successes (each what `R` with event 'S' and no cooldown does): how many, then each one's now,
 *   applied in that order. A replica sends the successes issued since its batch's last operation on Health as one run,
 *   before the next such operation (`R` `A` `L`) or at the end, after the bucket operations issued meanwhile (`S` `G`
 *   `O` `V` neither read nor change Health: the same result as in issue order); see `Shared.success`;
 * - `V` reserve: now, charge, limit, enforce (expiring at now + TTL) → `{'A'}` | `{'R', reason, wait}`;
 * - `A` admit (Health acquire, then reserve; a half-open probe given back if the bucket refuses): reserve's
 *   arguments → `{'A', probe}` | `{'B', reason, until}` | `{'R', reason, wait}`;
 * - `L` admit with a lease: `A`'s arguments and the lease share → `A`'s replies, or `{'A', '0', tokens, requests}`:
 *   the endpoint is healthy (breaker closed, no cooldown, no probe) and the bucket, with the charge and the lease,
 *   stays at most `LEASE_FILL` of the request's limit in each tracked dimension, so up to `share` of each limit
 *   more is charged now (`inf` in a dimension without a limit) for the replica to admit from on its own (see
 *   `lease.ts`); a lease that would not hold one more request of the same charge is not given.
 * The reservations hash (`K2`) gets the replica's open count and last expiry after the call (one field per
 * replica, `count:expiry`, deleted at 0): what `openReservations` reads fleet-wide, and what a replica that died
 * leaves behind until its last reservation's TTL has passed.
 */
const BATCH_LUA = `
local function sy_batch(K1, K2, A, o, n)
  local LEASE_FILL = ${LEASE_FILL}
  local c = breaker_config(A, o + 1)
  local ct, cr, ttl = num(A[o + 8]), num(A[o + 9]), tonumber(A[o + 10])
  local open, last = tonumber(A[o + 12]), num(A[o + 13])
  local st = state_open(K1)
  local out = {}
  -- reservations admitted and closed here (\`last\` moves with each admission)
  local admitted, settles = 0, 0
  local function reserve(a, i, now)
    local s = bucket_current(st, ct, cr, now)
    local lt, lr = bucket_limits(ct, cr, s)
    local wait, reason = bucket_admit(s, lt, lr, tonumber(a[i + 2]), tonumber(a[i + 3]), a[i + 4] == '1', now)
    bucket_save(st, s)
    if wait ~= nil then return { 'R', reason, fmt(wait) } end
    admitted = admitted + 1
    if last == nil or now + ttl > last then last = now + ttl end
    return nil
  end
  -- what may be left in the bucket of \`x\` charged \`since\` ms ago at \`pm\` a minute (no limit: all of it)
  local function lease_rest(x, pm, since)
    if pm == nil then return x end
    return jsmax(x - (since * pm) / MINUTE, 0)
  end
  -- the lease beside an admission \`L\` just made, charged to the bucket reserve saved (changed in place): nil when none
  local function lease(a, i)
    local s = st.b
    local lt, lr = bucket_limits(ct, cr, s)
    local charge, limit, share = tonumber(a[i + 2]), tonumber(a[i + 3]), tonumber(a[i + 5])
    local et, er = INF, INF
    if lt ~= nil then
      et = jsmin(share * lt, LEASE_FILL * lt * limit - s.t)
      if not (et >= charge) then return nil end
    end
    if lr ~= nil then
      er = math.floor(jsmin(share * lr, LEASE_FILL * lr * limit - s.r))
      if not (er >= 1) then return nil end
    end
    if et ~= INF then s.t = s.t + et end
    if er ~= INF then s.r = s.r + er end
    return { 'A', '0', fmt(et), fmt(er) }
  end
  -- \`A\` and \`L\`: the Health permit, then the reservation (a half-open probe given back if the bucket refuses)
  local function admit(a, i, now, leasing)
    local h = health_acquire(st, c, now)
    if h[1] == 'B' then return h end
    local refused = reserve(a, i, now)
    if refused ~= nil then
      if h[2] == '1' then
        local e = health_load(st, now)
        e.b = breaker_step(c, e.b, 'A', now)
        health_save(st, e)
      end
      return refused
    end
    if leasing and h[2] == '0' then return lease(a, i) or h end
    return h
  end
  local i = o + 14
  while i <= n do
    local op, now = A[i], tonumber(A[i + 1])
    if op == 'S' then
      local s = bucket_current(st, ct, cr, now)
      bucket_adjust(s, tonumber(A[i + 2]), tonumber(A[i + 3]))
      bucket_save(st, s)
      settles = settles + 1
      i = i + 4
    elseif op == 'G' then
      -- a lease's rest given back: less what the bucket drained since the lease began (that much of it may be gone)
      local s = bucket_current(st, ct, cr, now)
      local lt, lr = bucket_limits(ct, cr, s)
      local since = jsmax(now - tonumber(A[i + 2]), 0)
      bucket_adjust(s, -lease_rest(tonumber(A[i + 3]), lt, since), -lease_rest(tonumber(A[i + 4]), lr, since))
      bucket_save(st, s)
      i = i + 5
    elseif op == 'O' then
      local s = bucket_current(st, ct, cr, now)
      local sig = { util = num(A[i + 2]), limT = num(A[i + 3]), remT = num(A[i + 4]), limR = num(A[i + 5]), remR = num(A[i + 6]), retry = num(A[i + 7]) }
      bucket_signals(s, ct, cr, sig, A[i + 8] == '1', now, tonumber(A[i + 9]))
      bucket_save(st, s)
      i = i + 10
    elseif op == 'Y' then
      -- the successes in issue order, each at its own now: the breaker changed in place while it stays closed and is
      -- the script's own (the first one copies the hash's), else stepped as \`R\` steps it
      local k = tonumber(A[i + 1])
      local e = health_load(st, tonumber(A[i + 2]))
      local b, b0 = e.b, st.e0 and st.e0.b
      for j = i + 2, i + 1 + k do
        local t = tonumber(A[j])
        if b.k == 'C' and b ~= b0 then b = breaker_step_closed(c, b, 'S', t, b) else b = breaker_step(c, b, 'S', t) end
      end
      e.b = b
      health_save(st, e)
      i = i + 2 + k
    elseif op == 'R' then
      local e = health_load(st, now)
      local cd = num(A[i + 3])
      if cd ~= nil and cd > e.cd then e.cd = cd end
      if A[i + 2] ~= '' then e.b = breaker_step(c, e.b, A[i + 2], now) end
      health_save(st, e)
      i = i + 4
    elseif op == 'V' then
      out[#out + 1] = reserve(A, i, now) or { 'A' }
      i = i + 5
    elseif op == 'A' then
      out[#out + 1] = admit(A, i, now, false)
      i = i + 5
    else
      out[#out + 1] = admit(A, i, now, true)
      i = i + 6
    end
  end
  state_close(st)
  -- what this replica holds open on the endpoint: one field of the reservations hash, written when it changed
  if admitted > 0 or settles > 0 then
    open = open + admitted
    if open > 0 then
      redis.call('HSET', K2, A[o + 11], fmt(open) .. ':' .. fmt(last))
      -- every reservation in the hash was taken by now: it expires within the TTL from now
      redis.call('PEXPIRE', K2, ttl)
    else redis.call('HDEL', K2, A[o + 11]) end
  end
  return out
end
`

/** `syBatch` and `syTurn`: the state hash's functions and `sy_batch`. */
const BATCH = [...STATE, BATCH_LUA]

export const SCRIPTS = {
  /**
   * KEYS state, reservations; ARGV breaker config 1..7, limits, TTL and the replica's open reservations 8..13, then
   * operations (see `BATCH_LUA`), applied in order — what
   * the same operations as separate scripts would do, with one read and one write of the state hash. → one reply
   * per `V`/`A` operation, in order. Everything one endpoint's callers issue in one turn of the event loop.
   */
  syBatch: script(2, BATCH, "return sy_batch(KEYS[1], KEYS[2], ARGV, 0, #ARGV)"),
  /**
   * Several endpoints' batches in one call, then reads (one Redis only: the keys of several endpoints are in several
   * Redis Cluster slots). KEYS the state and reservations hashes of each batch's endpoint (two an endpoint; the key
   * count first), then the state hashes to read; ARGV how many keys the batches have, each batch's `syBatch` ARGV
   * preceded by its length, then the fields to read (none: no read). → each batch's `syBatch` reply (its decisions'
   * replies, in order), then one array of HMGET replies, one per state hash read. Each batch runs as its own
   * `syBatch` would, one after the other, and the reads see what they did: what one turn of the event loop sends —
   * its decisions, the bookkeeping queued on any endpoint, and the cached snapshot's hashes when they want renewing
   * (see `Shared.readAlong`) — in one `FCALL` instead of one each.
   */
  syTurn: script(
    undefined,
    BATCH,
    `local m = tonumber(ARGV[1])
local o = 1
local out = {}
for k = 1, m, 2 do
  local n = o + 1 + tonumber(ARGV[o + 1])
  out[#out + 1] = sy_batch(KEYS[k], KEYS[k + 1], ARGV, o + 1, n)
  o = n
end
local fields = {}
for i = o + 1, #ARGV do fields[#fields + 1] = ARGV[i] end
local reads = {}
if #fields > 0 then
  for i = m + 1, #KEYS do reads[#reads + 1] = redis.call('HMGET', KEYS[i], unpack(fields)) end
end
out[#out + 1] = reads
return out`,
  ),
  /** KEYS state; ARGV now, config 2..8. → {'A', probe} | {'B', reason, until} */
  syAcquire: script(
    1,
    STATE,
    `local st = state_open(KEYS[1])
local h = health_acquire(st, breaker_config(ARGV, 2), tonumber(ARGV[1]))
state_close(st)
return h`,
  ),
  /**
   * KEYS the state hashes of the snapshot's endpoints (the key count first); ARGV the fields. → one HMGET reply
   * per key. One command for the whole snapshot instead of one per endpoint — on one Redis only: the keys of
   * several endpoints are in several Redis Cluster slots, so on a cluster the snapshot is one HMGET per endpoint.
   */
  syRead: script(
    undefined,
    [],
    `local out = {}
for i = 1, #KEYS do out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV)) end
return out`,
  ),
  /** KEYS the budget slot of now; ARGV requests counted since the last call, ttl. */
  syBudgetRecord: script(
    1,
    [],
    `redis.call('HINCRBY', KEYS[1], 'q', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  ),
  /** KEYS the window's slots, the current one last; ARGV kind, floor, ratio, ttl. → 1 taken | 0 */
  syBudgetAcquire: script(
    undefined,
    [],
    `local requests, spent = 0, 0
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'q', ARGV[1])
  requests = requests + (tonumber(v[1]) or 0)
  spent = spent + (tonumber(v[2]) or 0)
end
if not (spent < tonumber(ARGV[2]) + tonumber(ARGV[3]) * requests) then return 0 end
redis.call('HINCRBY', KEYS[#KEYS], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[#KEYS], ARGV[4])
return 1`,
  ),
  /** KEYS the budget slot of now; ARGV kind. */
  syBudgetRefund: script(
    1,
    [],
    `local v = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if v < 0 then redis.call('HSET', KEYS[1], ARGV[1], 0) end
return 1`,
  ),
} as const satisfies Record<string, ScriptSource>

export type ScriptName = keyof typeof SCRIPTS

const LIBRARY_BODY = [
  ...BATCH,
  ...Object.entries(SCRIPTS).map(
    ([name, source]) => `redis.register_function('%LIB%_${name}', function(KEYS, ARGV)\n${source.body}\nend)\n`,
  ),
].join("")

/** Named after its own content: different Switchyard versions on one Redis load libraries side by side. */
const LIBRARY_NAME = `switchyard_${createHash("sha1").update(LIBRARY_BODY).digest("hex").slice(0, 12)}`

export const FUNCTION_LIBRARY = {
  name: LIBRARY_NAME,
  source: `#!lua name=${LIBRARY_NAME}\n${LIBRARY_BODY.replaceAll("%LIB%", LIBRARY_NAME)}`,
  functionName: (name: ScriptName): string => `${LIBRARY_NAME}_${name}`,
}
