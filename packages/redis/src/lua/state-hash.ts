import { STATE_FIELDS } from "../state.js"

/**
 * An endpoint's state hash inside one script: read with one HMGET when the script opens it, changed in place by
 * `bucket_save`/`health_save` (the values as they would be stored: `fmt` strings), written back with one HSET of
 * the changed part (bucket fields, Health fields or both) and one PEXPIRE when the script closes it. Every load
 * parses the stored strings again, so a script running several operations gives exactly what the same operations
 * as separate scripts would give, with one read and at most one write of the hash. Fields in `STATE_FIELDS`
 * order: 1..6 the bucket's, 7..16 Health's.
 */
export const STATE_HASH_LUA = `
local STATE_FIELDS = { ${STATE_FIELDS.map((f) => `'${f}'`).join(", ")} }
local function state_open(key)
  return { key = key, v = redis.call('HMGET', key, unpack(STATE_FIELDS)), bucket = false, health = false }
end
local function state_close(st)
  if not (st.bucket or st.health) then return end
  local from, to = 1, #STATE_FIELDS
  if not st.health then to = 6 end
  if not st.bucket then from = 7 end
  local args = {}
  for i = from, to do
    args[#args + 1] = STATE_FIELDS[i]
    args[#args + 1] = st.v[i]
  end
  redis.call('HSET', st.key, unpack(args))
  redis.call('PEXPIRE', st.key, 3600000)
end
`
