/**
 * Recognise JSON text that is already what `JSON.stringify(JSON.parse(text))` gives, without building it.
 *
 *   canonicalMembers(text) → the top-level object's members (key and value spans), or undefined
 *   memberKey(text, members, m), memberIs(text, members, m, "usage")
 *
 * Accepted only when all of these hold, so that relaying `text` (or slices of it) is byte for byte what
 * parsing and re-serialising it would send: an object at the top; no whitespace outside strings; strings
 * with only the escapes `JSON.stringify` writes (`\" \\ \b \f \n \r \t`, and lower-case `\u00xx` for the
 * other control characters) and no lone surrogate; numbers in their shortest form (`String(Number(n)) === n`,
 * so no `-0`, `1.0` or `1E5`); no key repeated within an object; no key that starts with a digit (V8 puts
 * array-index keys first, whatever their order in the text), holds an escape or a surrogate, or is `__proto__`; at most
 * 64 levels deep. Anything else, including every invalid JSON text, gives undefined: the caller parses it.
 */

/**
 * The top-level object's members, three numbers each: where its key's opening quote is, and where its value
 * starts and ends (exclusive). The key is `text.slice(keyAt + 1, valueStart - 2)` (`memberKey`).
 */
export type Members = Int32Array

const MAX_DEPTH = 64

// The keys of the objects being scanned (start and end of each, quotes excluded), for the repeated-key check;
// a scan is synchronous, so one scratch stack serves every call. More keys open at once: not relayed.
const KEYS = new Int32Array(2048)
let keyTop = 0
// the top-level object's members as `Members` spans, `spanCount` of them so far
const SPANS = new Int32Array(3 * 256)
let spanCount = 0

const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isLowerHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102)

// a run of characters a string holds as they are (irregexp skips it far faster than a charCodeAt loop)
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the run must stop at
const PLAIN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y

/** End of the string opening at `i` (just past its closing quote), or -1. */
const stringEnd = (s: string, i: number): number => {
  const n = s.length
  let j = i + 1
  while (j < n) {
    PLAIN.lastIndex = j
    PLAIN.test(s)
    j = PLAIN.lastIndex
    const c = s.charCodeAt(j)
    if (c === 34) return j + 1
    if (c < 0x20) return -1
    if (c === 92) {
      const e = s.charCodeAt(j + 1)
      // \" \\ \b \f \n \r \t
      if (e === 34 || e === 92 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
        j += 2
        continue
      }
      // \u00xx for a control character that has no short escape (JSON.stringify's form: lower-case hex)
      if (e !== 117 || s.charCodeAt(j + 2) !== 48 || s.charCodeAt(j + 3) !== 48) return -1
      const hi = s.charCodeAt(j + 4)
      const lo = s.charCodeAt(j + 5)
      if ((hi !== 48 && hi !== 49) || !isLowerHex(lo)) return -1
      const code = (hi - 48) * 16 + (lo <= 57 ? lo - 48 : lo - 87)
      if (code === 8 || code === 9 || code === 10 || code === 12 || code === 13) return -1
      j += 6
      continue
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // a surrogate pair stays as it is; a lone surrogate JSON.stringify would escape
      const next = s.charCodeAt(j + 1)
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return -1
      j += 2
      continue
    }
    j++
  }
  return -1
}

/** End of the number starting at `i`, or -1 (not JSON, or not in its shortest form). */
const numberEnd = (s: string, i: number): number => {
  let j = i
  if (s.charCodeAt(j) === 45) j++
  const first = s.charCodeAt(j)
  if (first === 48) j++
  else if (first >= 49 && first <= 57) {
    j++
    while (isDigit(s.charCodeAt(j))) j++
  } else return -1
  let plain = true
  if (s.charCodeAt(j) === 46) {
    plain = false
    j++
    if (!isDigit(s.charCodeAt(j))) return -1
    while (isDigit(s.charCodeAt(j))) j++
  }
  const e = s.charCodeAt(j)
  if (e === 101 || e === 69) {
    plain = false
    j++
    const sign = s.charCodeAt(j)
    if (sign === 43 || sign === 45) j++
    if (!isDigit(s.charCodeAt(j))) return -1
    while (isDigit(s.charCodeAt(j))) j++
  }
  // an integer of at most 15 digits is its own shortest form, except -0
  if (plain && j - i <= 15) return s.charCodeAt(i) === 45 && s.charCodeAt(i + 1) === 48 ? -1 : j
  const literal = s.slice(i, j)
  return String(Number(literal)) === literal ? j : -1
}

const wordEnd = (s: string, i: number, word: string): number => (s.startsWith(word, i) ? i + word.length : -1)

/** End of the value starting at `i`, or -1. */
const valueEnd = (s: string, i: number, depth: number): number => {
  const c = s.charCodeAt(i)
  if (c === 34) return stringEnd(s, i)
  if (c === 123) return objectEnd(s, i, depth + 1, false)
  if (c === 91) return arrayEnd(s, i, depth + 1)
  if (c === 116) return wordEnd(s, i, "true")
  if (c === 102) return wordEnd(s, i, "false")
  if (c === 110) return wordEnd(s, i, "null")
  if (c === 45 || isDigit(c)) return numberEnd(s, i)
  return -1
}

const arrayEnd = (s: string, i: number, depth: number): number => {
  if (depth > MAX_DEPTH) return -1
  let j = i + 1
  if (s.charCodeAt(j) === 93) return j + 1
  for (;;) {
    j = valueEnd(s, j, depth)
    if (j < 0) return -1
    const c = s.charCodeAt(j)
    if (c === 93) return j + 1
    if (c !== 44) return -1
    j++
  }
}

/** End of a key opening at `i` (just past its closing quote), or -1: keys take no escape and no surrogate. */
const keyEnd = (s: string, i: number): number => {
  const n = s.length
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j)
    if (c === 34) return j + 1
    if (c === 92 || c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) return -1
  }
  return -1
}

/** Whether the key `start`…`end` equals one already seen in the object whose keys begin at `base` on the stack. */
const repeated = (s: string, start: number, end: number, base: number): boolean => {
  const length = end - start
  for (let k = base; k < keyTop; k += 2) {
    const at = KEYS[k]!
    if (KEYS[k + 1]! - at !== length) continue
    let same = true
    for (let c = 0; c < length; c++)
      if (s.charCodeAt(at + c) !== s.charCodeAt(start + c)) {
        same = false
        break
      }
    if (same) return true
  }
  return false
}

/** The members of the object opening at `i`; `top`: they go to SPANS too (`spanCount` of them). */
const membersEnd = (s: string, i: number, depth: number, top: boolean, base: number): number => {
  let j = i + 1
  for (;;) {
    if (s.charCodeAt(j) !== 34) return -1
    const end = keyEnd(s, j)
    if (end < 0 || s.charCodeAt(end) !== 58) return -1
    // a digit first: maybe an array index, which V8 orders first; `__proto__`: never copied as data
    if (isDigit(s.charCodeAt(j + 1)) || (end - j === 11 && s.startsWith("__proto__", j + 1))) return -1
    if (keyTop >= KEYS.length || repeated(s, j + 1, end - 1, base)) return -1
    KEYS[keyTop++] = j + 1
    KEYS[keyTop++] = end - 1
    const keyAt = j
    const start = end + 1
    j = valueEnd(s, start, depth)
    if (j < 0) return -1
    if (top) {
      if (spanCount * 3 >= SPANS.length) return -1
      SPANS[spanCount * 3] = keyAt
      SPANS[spanCount * 3 + 1] = start
      SPANS[spanCount * 3 + 2] = j
      spanCount++
    }
    const c = s.charCodeAt(j)
    if (c === 125) return j + 1
    if (c !== 44) return -1
    j++
  }
}

/** End of the object opening at `i`, or -1. */
const objectEnd = (s: string, i: number, depth: number, top: boolean): number => {
  if (depth > MAX_DEPTH) return -1
  if (s.charCodeAt(i + 1) === 125) return i + 2
  const base = keyTop
  const end = membersEnd(s, i, depth, top, base)
  keyTop = base
  return end
}

export const canonicalMembers = (text: string): Members | undefined => {
  if (text.charCodeAt(0) !== 123) return undefined
  spanCount = 0
  keyTop = 0
  if (objectEnd(text, 0, 1, true) !== text.length) return undefined
  return SPANS.slice(0, spanCount * 3)
}

/** The key of member `m` (0, 1, …). */
export const memberKey = (text: string, members: Members, m: number): string =>
  text.slice(members[m * 3]! + 1, members[m * 3 + 1]! - 2)

/** Whether member `m`'s key is `key`, without slicing it out. */
export const memberIs = (text: string, members: Members, m: number, key: string): boolean => {
  const at = members[m * 3]! + 1
  return members[m * 3 + 1]! - 2 - at === key.length && text.startsWith(key, at)
}
