/**
 * Lua port of `@switchyard/core`'s leaky bucket (`services/capacity/bucket.ts`) and signal folding
 * (`signals.ts`), line for line. A bucket is part of the endpoint's state hash (with Health's fields): `t` tokens, `r` requests, `at` last update,
 * `bu` blocked until, `lt`/`lr` learned limits (absent: none). Configured limits come in as ARGV
 * (`''`: not configured). Change the TypeScript and this port together; `test/bucket.lua.test.ts`
 * compares them on random sequences.
 */
export const BUCKET_LUA = `
-- st: the state hash of the script (see state-hash.ts); the bucket is parsed once (\`b0\`, kept as the hash held it: a
-- copy of it is handed out), and the bucket the script saved is handed out as is: every operation that loads the
-- bucket saves it (changed in place or not), so no copy per operation
local function bucket_load(st, now)
  local b = st.b
  if b == nil then
    local v = st.v
    if v[3] == false then return { t = 0, r = 0, at = now, bu = 0, lt = nil, lr = nil } end
    b = { t = tonumber(v[1]), r = tonumber(v[2]), at = tonumber(v[3]), bu = tonumber(v[4]), lt = num(v[5]), lr = num(v[6]) }
    st.b = b
    st.b0 = b
  end
  if b ~= st.b0 then return b end
  return { t = b.t, r = b.r, at = b.at, bu = b.bu, lt = b.lt, lr = b.lr }
end
-- what is saved is kept as is and written when the script ends (the next load hands it out again)
local function bucket_save(st, s)
  st.b = s
  st.bucket = true
end
-- the stored fields (state_close) that changed since the script opened the hash (\`b0\`, parsed then); a bucket new to
-- the hash writes every field it has (an absent limit is not stored, as '' reads: none)
local BUCKET_FIELDS = { 't', 'r', 'at', 'bu', 'lt', 'lr' }
local function bucket_fields(st, s, out)
  changed_fields(out, BUCKET_FIELDS, s, st.b0)
end
-- effectiveLimits: configured wins per dimension
local function bucket_limits(ct, cr, s)
  local lt, lr = ct, cr
  if lt == nil then lt = s.lt end
  if lr == nil then lr = s.lr end
  return lt, lr
end
local function drained(level, pm, elapsed)
  if pm == nil then return 0 end
  return jsmax(level - (elapsed * pm) / MINUTE, 0)
end
-- drained in place (\`s\` is a loaded bucket: never the one the hash held, see bucket_load)
local function bucket_drain(s, lt, lr, now)
  local elapsed = now - s.at
  if elapsed <= 0 then return s end
  s.t, s.r, s.at = drained(s.t, lt, elapsed), drained(s.r, lr, elapsed), now
  return s
end
-- the bucket drained to now (an absent one is empty at now)
local function bucket_current(st, ct, cr, now)
  local s = bucket_load(st, now)
  local lt, lr = bucket_limits(ct, cr, s)
  return bucket_drain(s, lt, lr, now)
end
local function time_to_reach(level, target, pm)
  if pm == nil or level <= target then return 0 end
  if target < 0 then return INF end
  return ((level - target) * MINUTE) / pm
end
-- admit: returns nil (admitted; s updated) or wait, reason
local function bucket_admit(s, lt, lr, charge, limit, enforce, now)
  local blocked = 0
  if s.bu > now then blocked = s.bu - now end
  local tw, rw = 0, 0
  if enforce then
    local tc, rc = INF, INF
    if lt ~= nil then tc = lt * limit end
    if lr ~= nil then rc = lr * limit end
    tw = time_to_reach(s.t, tc - charge, lt)
    rw = time_to_reach(s.r, rc - 1, lr)
  end
  local wait = jsmax(jsmax(blocked, tw), rw)
  if wait > 0 then
    local reason = 'full'
    if wait == INF then reason = 'too_large' elseif blocked >= wait then reason = 'blocked' end
    return wait, reason
  end
  s.t = s.t + charge
  s.r = s.r + 1
  return nil
end
local function bucket_adjust(s, dt, dr)
  s.t = jsmax(0, s.t + dt)
  s.r = jsmax(0, s.r + dr)
end
local function used(remaining, lim) return jsmax(0, jsmin(1, 1 - remaining / lim)) end
-- applySignals: sig = { util, limT, remT, limR, remR, retry }
local function bucket_signals(s, ct, cr, sig, rate_limited, now, fallback_block)
  if ct == nil and positive(sig.limT) then s.lt = sig.limT end
  if cr == nil and positive(sig.limR) then s.lr = sig.limR end
  local lt, lr = bucket_limits(ct, cr, s)
  local tokens, requests = s.t, s.r
  if lt ~= nil then
    if nonneg(sig.util) then tokens = sig.util * lt
    elseif positive(sig.limT) and nonneg(sig.remT) then tokens = used(sig.remT, sig.limT) * lt end
  end
  if lr ~= nil and positive(sig.limR) and nonneg(sig.remR) then requests = used(sig.remR, sig.limR) * lr end
  local bu = s.bu
  if nonneg(sig.retry) then bu = jsmax(bu, now + sig.retry)
  elseif rate_limited then
    if lt ~= nil then tokens = jsmax(tokens, lt)
    elseif lr ~= nil then requests = jsmax(requests, lr)
    else bu = jsmax(bu, now + fallback_block) end
  end
  s.t, s.r, s.bu = tokens, requests, bu
end
`
