/**
 * Lua port of `@switchyard/core`'s circuit breaker (`services/health/breaker.ts`) and the Health
 * entry around it (cooldown), line for line. In the endpoint's state hash (next to the bucket's fields): `k` the state (`C`, `O`, `H`),
 * `cf` `ws` `s` `f` (Closed), `oa` `u` (Open), `ps` (HalfOpen probe start, `''` none), `cd` the
 * cooldown end (0 none). The breaker config is ARGV: failureThreshold, failureRatio,
 * minimumRequests, ratioWindowMs, openMs, probeTimeoutMs. `test/breaker.lua.test.ts` compares the
 * port with the TypeScript machine on random event sequences.
 */
export const BREAKER_LUA = `
local function breaker_config(a, i)
  return { threshold = tonumber(a[i]), ratio = tonumber(a[i + 1]), minimum = tonumber(a[i + 2]),
           window = tonumber(a[i + 3]), open = tonumber(a[i + 4]), probe_timeout = tonumber(a[i + 5]) }
end
local function closed(now) return { k = 'C', cf = 0, ws = now, s = 0, f = 0 } end
local function opened(c, now) return { k = 'O', oa = now, u = now + c.open } end
local function half_idle() return { k = 'H', ps = nil } end
-- entry: { b = breaker state, cd = cooldown end }; an absent one is created closed at now
local function health_load(key, now)
  local v = redis.call('HMGET', key, 'k', 'cf', 'ws', 's', 'f', 'oa', 'u', 'ps', 'cd')
  if v[1] == false then return { b = closed(now), cd = 0 }, true end
  local b
  if v[1] == 'C' then b = { k = 'C', cf = tonumber(v[2]), ws = tonumber(v[3]), s = tonumber(v[4]), f = tonumber(v[5]) }
  elseif v[1] == 'O' then b = { k = 'O', oa = tonumber(v[6]), u = tonumber(v[7]) }
  else b = { k = 'H', ps = num(v[8]) } end
  return { b = b, cd = tonumber(v[9]) }, false
end
-- the hash also holds the bucket: write every health field ('' for the ones this state has not)
local function health_save(key, e)
  local b = e.b
  redis.call('HSET', key, 'k', b.k, 'cf', fmt(b.cf), 'ws', fmt(b.ws), 's', fmt(b.s), 'f', fmt(b.f),
    'oa', fmt(b.oa), 'u', fmt(b.u), 'ps', fmt(b.ps), 'cd', fmt(e.cd))
  redis.call('PEXPIRE', key, 3600000)
end
local function breaker_settle(c, b, now)
  if b.k == 'O' then
    if b.u <= now then return half_idle() end
    return b
  end
  if b.k == 'H' and b.ps ~= nil and now - b.ps >= c.probe_timeout then return half_idle() end
  return b
end
-- admission: 'allowed', probe | 'blocked', until (nil: unknown)
local function breaker_admission(c, b, now)
  local s = breaker_settle(c, b, now)
  if s.k == 'C' then return 'allowed', false end
  if s.k == 'O' then return 'blocked', s.u end
  if s.ps == nil then return 'allowed', true end
  return 'blocked', s.ps + c.probe_timeout
end
local function breaker_step_closed(c, s, ev, now)
  if ev ~= 'S' and ev ~= 'F' then return s end
  local fresh = now - s.ws >= c.window
  local ws, succ, fail = s.ws, s.s, s.f
  if fresh then ws, succ, fail = now, 0, 0 end
  if ev == 'S' then succ = succ + 1 else fail = fail + 1 end
  local cf = 0
  if ev == 'F' then cf = s.cf + 1 end
  local judged = succ + fail
  if cf >= c.threshold or (judged >= c.minimum and fail / judged >= c.ratio) then return opened(c, now) end
  return { k = 'C', cf = cf, ws = ws, s = succ, f = fail }
end
-- events: 'S' success, 'F' failure, 'P' probe started, 'A' probe abandoned
local function breaker_step(c, b, ev, now)
  local s = breaker_settle(c, b, now)
  if s.k == 'C' then return breaker_step_closed(c, s, ev, now) end
  if s.k == 'O' then return s end
  if ev == 'S' then return closed(now) end
  if ev == 'F' then return opened(c, now) end
  if ev == 'P' then
    if s.ps == nil then return { k = 'H', ps = now } end
    return s
  end
  return half_idle()
end
-- acquire: returns 'A', probe(0/1) | 'B', reason, until; saves what changed
local function health_acquire(key, c, now)
  local e, created = health_load(key, now)
  if e.cd > now then
    if created then health_save(key, e) end
    return { 'B', 'cooldown', fmt(e.cd) }
  end
  local verdict, x = breaker_admission(c, e.b, now)
  if verdict == 'blocked' then
    if created then health_save(key, e) end
    return { 'B', 'breaker_open', fmt(x) }
  end
  if x then
    e.b = breaker_step(c, e.b, 'P', now)
    health_save(key, e)
    return { 'A', '1' }
  end
  if created then health_save(key, e) end
  return { 'A', '0' }
end
`
