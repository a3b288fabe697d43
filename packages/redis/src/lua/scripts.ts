import { BREAKER_LUA } from "./breaker.js"
import { BUCKET_LUA } from "./bucket.js"
import { COMMON_LUA } from "./common.js"

/**
 * The scripts, each atomic on one endpoint's keys (one hash tag, one Redis Cluster slot). ioredis
 * loads each once and calls it by SHA (`EVALSHA`), re-sending the source on `NOSCRIPT` (a restarted
 * server). Replies are arrays of strings (see `lua/common.ts` for the number format).
 */
export interface ScriptSource {
  /** Undefined: the caller passes the key count first. */
  readonly numberOfKeys: number | undefined
  readonly lua: string
}

const script = (numberOfKeys: number | undefined, body: string): ScriptSource => ({
  numberOfKeys,
  lua: `${COMMON_LUA}${BUCKET_LUA}${BREAKER_LUA}\n${body}`,
})

/** Shared by reserve and admit: ARGV[1..8] = now, charge, limit, enforce, ct, cr, id, expiresAt. */
const RESERVE = `
local function reserve(bkey, rkey, a)
  local now = tonumber(a[1])
  local ct, cr = num(a[5]), num(a[6])
  local s = bucket_current(bkey, ct, cr, now)
  local lt, lr = bucket_limits(ct, cr, s)
  local wait, reason = bucket_admit(s, lt, lr, tonumber(a[2]), tonumber(a[3]), a[4] == '1', now)
  bucket_save(bkey, s)
  if wait ~= nil then return { 'R', reason, fmt(wait) } end
  redis.call('ZREMRANGEBYSCORE', rkey, '-inf', now)
  redis.call('ZADD', rkey, a[8], a[7])
  redis.call('PEXPIRE', rkey, math.max(1, math.ceil(tonumber(a[8]) - now)))
  return nil
end
`

export const SCRIPTS = {
  /** KEYS bucket, reservations. → {'A'} | {'R', reason, wait} */
  syReserve: script(
    2,
    `${RESERVE}
local refused = reserve(KEYS[1], KEYS[2], ARGV)
if refused ~= nil then return refused end
return { 'A' }`,
  ),
  /** KEYS health, bucket, reservations; ARGV reserve's 1..8, breaker config 9..14. → {'A', probe} | {'B', reason, until} | {'R', reason, wait} */
  syAdmit: script(
    3,
    `${RESERVE}
local now = tonumber(ARGV[1])
local c = breaker_config(ARGV, 9)
local h = health_acquire(KEYS[1], c, now)
if h[1] == 'B' then return h end
local refused = reserve(KEYS[2], KEYS[3], ARGV)
if refused ~= nil then
  if h[2] == '1' then
    local e = health_load(KEYS[1], now)
    e.b = breaker_step(c, e.b, 'A', now)
    health_save(KEYS[1], e)
  end
  return refused
end
return h`,
  ),
  /** KEYS bucket, reservations; ARGV now, id, tokens, requests, ct, cr. Idempotent: only an open, unexpired reservation adjusts. */
  sySettle: script(
    2,
    `local now = tonumber(ARGV[1])
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
if score == false then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
if tonumber(score) <= now then return 0 end
local ct, cr = num(ARGV[5]), num(ARGV[6])
local s = bucket_current(KEYS[1], ct, cr, now)
bucket_adjust(s, tonumber(ARGV[3]), tonumber(ARGV[4]))
bucket_save(KEYS[1], s)
return 1`,
  ),
  /** KEYS bucket; ARGV now, ct, cr, utilization, limitTokens, remainingTokens, limitRequests, remainingRequests, retryAfterMs, rateLimited, fallbackBlockMs. */
  syObserve: script(
    1,
    `local now = tonumber(ARGV[1])
local ct, cr = num(ARGV[2]), num(ARGV[3])
local s = bucket_current(KEYS[1], ct, cr, now)
local sig = { util = num(ARGV[4]), limT = num(ARGV[5]), remT = num(ARGV[6]), limR = num(ARGV[7]), remR = num(ARGV[8]), retry = num(ARGV[9]) }
bucket_signals(s, ct, cr, sig, ARGV[10] == '1', now, tonumber(ARGV[11]))
bucket_save(KEYS[1], s)
return 1`,
  ),
  /** KEYS health; ARGV now, config 2..7. → {'A', probe} | {'B', reason, until} */
  syAcquire: script(
    1,
    `local now = tonumber(ARGV[1])
return health_acquire(KEYS[1], breaker_config(ARGV, 2), now)`,
  ),
  /** KEYS health; ARGV now, event ('S' 'F' 'A' or ''), cooldown end ('' none), config 4..9. */
  syRecord: script(
    1,
    `local now = tonumber(ARGV[1])
local c = breaker_config(ARGV, 4)
local e = health_load(KEYS[1], now)
local cd = num(ARGV[3])
if cd ~= nil and cd > e.cd then e.cd = cd end
if ARGV[2] ~= '' then e.b = breaker_step(c, e.b, ARGV[2], now) end
health_save(KEYS[1], e)
return 1`,
  ),
  /** KEYS the budget slot of now; ARGV ttl. */
  syBudgetRecord: script(
    1,
    `redis.call('HINCRBY', KEYS[1], 'q', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`,
  ),
  /** KEYS the window's slots, the current one last; ARGV kind, floor, ratio, ttl. → 1 taken | 0 */
  syBudgetAcquire: script(
    undefined,
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
    `local v = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if v < 0 then redis.call('HSET', KEYS[1], ARGV[1], 0) end
return 1`,
  ),
} as const satisfies Record<string, ScriptSource>

export type ScriptName = keyof typeof SCRIPTS
