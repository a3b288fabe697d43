/**
 * Lua helpers shared by every script. Numbers cross the Redis boundary as strings: `%.17g` round-trips
 * an IEEE double exactly (Lua's own `tostring` keeps 14 digits), `inf` is infinity and `''` absent.
 * Redis's Lua numbers are IEEE doubles like JavaScript's, so a port that performs the same operations
 * in the same order gives bit-identical results (checked by the property tests).
 */
export const COMMON_LUA = `
local INF = 1 / 0
local MINUTE = 60000
local function num(s)
  if s == false or s == nil or s == '' then return nil end
  if s == 'inf' then return INF end
  return tonumber(s)
end
local function fmt(x)
  if x == nil then return '' end
  if x == INF then return 'inf' end
  if x == 0 then return '0' end
  return string.format('%.17g', x)
end
-- a state hash field (name, value) appended to \`out\` when its value \`x\` differs from the one the hash held, \`x0\`
-- (nil: absent or ''): the unchanged fields of a state are not written again (no format, a shorter HSET)
local function changed_field(out, name, x, x0)
  if x ~= x0 then
    local n = #out
    out[n + 1], out[n + 2] = name, fmt(x)
  end
end
local NONE = {}
-- the fields \`names\` of the state \`s\` (its keys named as the fields) that differ from \`s0\` (the state as the hash held
-- it; nil: none, every field \`s\` has is written)
local function changed_fields(out, names, s, s0)
  if s0 == nil then s0 = NONE end
  for i = 1, #names do
    local name = names[i]
    changed_field(out, name, s[name], s0[name])
  end
end
local function finite(x) return x ~= nil and x == x and x ~= INF and x ~= -INF end
local function positive(x) return finite(x) and x > 0 end
local function nonneg(x) return finite(x) and x >= 0 end
local function jsmax(a, b) if a ~= a or b ~= b then return 0/0 end if a > b then return a end return b end
local function jsmin(a, b) if a ~= a or b ~= b then return 0/0 end if a < b then return a end return b end
`
