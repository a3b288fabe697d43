import type { JsonObject } from "../provider/contract.js"

/**
 * A shallow copy of a JSON object, key order kept — what `{ ...o }` gives, built by plain stores.
 * V8 gives a spread's clone a map with no transitions, so adding a key to it afterwards (`provider`,
 * `cost`) built a new map on every response (≈ 1.5 µs and garbage per request). `__proto__` (a key
 * JSON.parse can produce) is defined as an own property, as the spread would.
 */
export const copyObject = (o: JsonObject): JsonObject => {
  const out: JsonObject = {}
  for (const key of Object.keys(o)) {
    if (key === "__proto__")
      Object.defineProperty(out, key, { value: o[key], enumerable: true, writable: true, configurable: true })
    else out[key] = o[key]
  }
  return out
}
