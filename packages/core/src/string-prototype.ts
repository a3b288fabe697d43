/**
 * Keep `String.prototype` in V8's fast mode, whatever the process loads.
 *
 * A library that subclasses String (ioredis and node-redis both declare `class VerbatimString extends String` for
 * RESP3) makes `String.prototype` the prototype of another object, which turns it into a dictionary-mode object in
 * V8 (Node 20 and 24 alike), and nothing on a request path turns it back: method loads on primitive strings
 * (`s.charCodeAt(i)`, `s.startsWith(…)`, `s.slice(…)`) from optimised code then run a generic lookup instead of a
 * constant. Every string-scanning function in the process pays: `relayableCompletion` on a 300-byte completion took
 * 5.7–6.6 µs instead of 2.4–2.9 µs in isolation, and the request log line and header handling slowed alike.
 *
 * V8 makes a prototype fast, and marks it to stay fast, when a property load whose receiver is an object (not a
 * primitive) misses its inline cache and walks that prototype; a few loads through a `String` wrapper object do that.
 * Called before a subclass exists, later subclasses leave the prototype fast; called after, it makes it fast again.
 * Cheap and idempotent: the router calls it when it is built, `@switchyard/redis` when it makes its client.
 */
const load = (wrapper: object): unknown => (wrapper as { readonly charCodeAt?: unknown }).charCodeAt

/** A V8 function gets its inline caches after a few calls; the first miss after that makes the prototype fast. */
const CALLS = 32

export const keepStringPrototypeFast = (): void => {
  const wrapper: object = Object("")
  for (let i = 0; i < CALLS; i++) load(wrapper)
}
