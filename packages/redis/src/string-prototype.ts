/**
 * Keep `String.prototype` in V8's fast mode after ioredis has loaded.
 *
 * ioredis declares `class VerbatimString extends String` (RESP3's verbatim strings). Making `String.prototype` the
 * prototype of another object turns it into a dictionary-mode object in V8 (Node 20 and 24 alike), and nothing on
 * the request path turns it back: method loads on primitive strings (`s.charCodeAt(i)`, `s.startsWith(…)`,
 * `s.slice(…)`) from optimised code then run a generic lookup instead of a constant. Every string-scanning function
 * in the process pays: core's check of an upstream completion (`relayableCompletion`) took 5.7–6.0 µs instead of
 * 2.4–2.9 µs in isolation, and the request log line, header handling and JSON scans slowed alike.
 *
 * V8 makes a prototype fast again when a property load whose receiver is an object (not a primitive) misses its
 * inline cache and walks that prototype; a few loads through a `String` wrapper object do that. Idempotent and cheap:
 * called wherever an ioredis client is made, i.e. after every module of the process has loaded.
 */
const load = (wrapper: object): unknown => (wrapper as { readonly charCodeAt?: unknown }).charCodeAt

/** A V8 function gets its inline caches after a few calls; the first miss after that makes the prototype fast. */
const CALLS = 32

export const keepStringPrototypeFast = (): void => {
  const wrapper: object = Object("")
  for (let i = 0; i < CALLS; i++) load(wrapper)
}
