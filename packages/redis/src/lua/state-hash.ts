import { STATE_FIELDS } from "../state.js"

/**
 * An endpoint's state hash inside one script: read with one HMGET when the script opens it; the bucket and the
 * Health entry are parsed on their first load and kept (as tables) while the script changes them
 * (`bucket_save`/`health_save`, see `bucket.ts`, `breaker.ts`); written back, the changed part only (bucket fields,
 * Health fields or both, and of those the fields whose value changed: see `changed_field`), with one HSET and one
 * PEXPIRE when the script closes it. A script running several
 * operations gives what the same operations as separate scripts would give (numbers stored as `%.17g` read back
 * exactly), with one read and at most one write of the hash. Fields in `STATE_FIELDS` order: 1..6 the bucket's,
 * 7..16 Health's.
 */
export const STATE_HASH_LUA = `
local STATE_FIELDS = { ${STATE_FIELDS.map((f) => `'${f}'`).join(", ")} }
local function state_open(key)
  return { key = key, v = redis.call('HMGET', key, unpack(STATE_FIELDS)), b = nil, e = nil, bucket = false, health = false }
end
local function state_close(st)
  if not (st.bucket or st.health) then return end
  local args = {}
  if st.bucket then bucket_fields(st, st.b, args) end
  if st.health then health_fields(st, st.e, args) end
  if #args > 0 then redis.call('HSET', st.key, unpack(args)) end
  redis.call('PEXPIRE', st.key, 3600000)
end
`
