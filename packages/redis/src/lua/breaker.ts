/**
 * Lua port of `@switchyard/core`'s circuit breaker (`services/health/breaker.ts`) and the Health
 * entry around it (cooldown), line for line. In the endpoint's state hash (next to the bucket's fields; loaded and saved through
 * `state_open`/`state_close`, see `state-hash.ts`): `k` the state (`C`, `O`, `H`),
 * `cf` `ws` `s` `f` (Closed), `oa` `u` (Open), `ps` (HalfOpen probe start, `''` none), `n` (Open and
 * HalfOpen: consecutive opens), `cd` the cooldown end (0 none). The breaker config is ARGV (`BREAKER_ARGS`
 * of them): failureThreshold, failureRatio, minimumRequests, ratioWindowMs, openMs, probeTimeoutMs, maxOpenMs. `test/health.lua.test.ts` compares the
 * port with the TypeScript machine on random event sequences.
 */
/** How many ARGV the breaker config takes (`breakerArgs`). */
export const BREAKER_ARGS = 7

export const BREAKER_LUA = `
local function breaker_config(a, i)
  return { threshold = tonumber(a[i]), ratio = tonumber(a[i + 1]), minimum = tonumber(a[i + 2]),
           window = tonumber(a[i + 3]), open = tonumber(a[i + 4]), probe_timeout = tonumber(a[i + 5]),
           max_open = tonumber(a[i + 6]) }
end
local function closed(now) return { k = 'C', cf = 0, ws = now, s = 0, f = 0 } end
-- the n-th consecutive open lasts open * 2^(n-1), at most max_open
local function opened(c, now, n)
  return { k = 'O', oa = now, u = now + math.min(c.max_open, c.open * 2 ^ math.max(0, math.min(n - 1, 30))), n = n }
end
local function half_idle(n) return { k = 'H', ps = nil, n = n } end
-- entry: { b = breaker state, cd = cooldown end }; an absent one is created closed at now
local function health_load(st, now)
  local e = st.e
  if e == nil then
    local v = st.v
    if v[7] == false then return { b = closed(now), cd = 0 }, true end
    -- h0: the fields as stored (the others of this state are stored as '')
    local b, h0
    if v[7] == 'C' then
      b = { k = 'C', cf = tonumber(v[8]), ws = tonumber(v[9]), s = tonumber(v[10]), f = tonumber(v[11]) }
      h0 = b
    elseif v[7] == 'O' then
      h0 = { k = 'O', oa = tonumber(v[12]), u = tonumber(v[13]), n = num(v[16]) }
      b = { k = 'O', oa = h0.oa, u = h0.u, n = h0.n or 1 }
    else
      h0 = { k = 'H', ps = num(v[14]), n = num(v[16]) }
      b = { k = 'H', ps = h0.ps, n = h0.n or 1 }
    end
    e = { b = b, cd = tonumber(v[15]) }
    st.e = e
    st.e0 = { b = h0, cd = e.cd }
  end
  -- breaker states are never changed in place (the parsed one is the hash's, \`e0.b\`); the entry is the script's own
  -- (\`e0\` keeps the stored cooldown apart): handed out as is, changed in place by whoever saves it
  return e, false
end
-- kept as is and written when the script ends
local function health_save(st, e)
  st.e = e
  st.health = true
end
-- the stored fields that changed (state_close): the ones whose value differs from what the hash held when the script
-- opened it (\`e0\`; a field a state has not is '' or absent: nil); an entry new to the hash writes every field it has
local BREAKER_FIELDS = { 'cf', 'ws', 's', 'f', 'oa', 'u', 'ps', 'n' }
local function health_fields(st, e, out)
  local b, e0 = e.b, st.e0
  local b0 = e0 and e0.b
  if b0 == nil or b.k ~= b0.k then out[#out + 1], out[#out + 2] = 'k', b.k end
  changed_fields(out, BREAKER_FIELDS, b, b0)
  changed_field(out, 'cd', e.cd, e0 and e0.cd)
end
local function breaker_settle(c, b, now)
  if b.k == 'O' then
    if b.u <= now then return half_idle(b.n) end
    return b
  end
  if b.k == 'H' and b.ps ~= nil and now - b.ps >= c.probe_timeout then return half_idle(b.n) end
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
-- \`into\`: a closed breaker table of the script's own (not the one parsed from the hash) to change in place instead
-- of building a new one (a run of successes, \`Y\`)
local function breaker_step_closed(c, s, ev, now, into)
  if ev ~= 'S' and ev ~= 'F' then return s end
  local fresh = now - s.ws >= c.window
  local ws, succ, fail = s.ws, s.s, s.f
  if fresh then ws, succ, fail = now, 0, 0 end
  if ev == 'S' then succ = succ + 1 else fail = fail + 1 end
  local cf = 0
  if ev == 'F' then cf = s.cf + 1 end
  local judged = succ + fail
  if cf >= c.threshold or (judged >= c.minimum and fail / judged >= c.ratio) then return opened(c, now, 1) end
  if into == nil then return { k = 'C', cf = cf, ws = ws, s = succ, f = fail } end
  into.cf, into.ws, into.s, into.f = cf, ws, succ, fail
  return into
end
-- events: 'S' success, 'F' failure, 'P' probe started, 'A' probe abandoned
local function breaker_step(c, b, ev, now)
  local s = breaker_settle(c, b, now)
  if s.k == 'C' then return breaker_step_closed(c, s, ev, now) end
  if s.k == 'O' then return s end
  if ev == 'S' then return closed(now) end
  if ev == 'F' then return opened(c, now, s.n + 1) end
  if ev == 'P' then
    if s.ps == nil then return { k = 'H', ps = now, n = s.n } end
    return s
  end
  return half_idle(s.n)
end
-- acquire: returns 'A', probe(0/1) | 'B', reason, until; saves what changed
local function health_acquire(st, c, now)
  local e, created = health_load(st, now)
  if e.cd > now then
    if created then health_save(st, e) end
    return { 'B', 'cooldown', fmt(e.cd) }
  end
  local verdict, x = breaker_admission(c, e.b, now)
  if verdict == 'blocked' then
    if created then health_save(st, e) end
    return { 'B', 'breaker_open', fmt(x) }
  end
  if x then
    e.b = breaker_step(c, e.b, 'P', now)
    health_save(st, e)
    return { 'A', '1' }
  end
  if created then health_save(st, e) end
  return { 'A', '0' }
end
`
