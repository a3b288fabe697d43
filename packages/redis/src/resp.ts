/**
 * A Redis command on the wire (RESP2: an array of bulk strings), written byte by byte into one buffer: `head` (the
 * command's first elements, already encoded, ASCII) then each of `args` as a bulk string. Against building the same
 * text with string templates, one pass with no intermediate strings: one allocation (the result) instead of ≈ 2.7 KB
 * of strings per request.
 *
 * Each argument is copied as ASCII in the same pass that checks it is (its length in UTF-16 units is then its length
 * in bytes); one that is not is written again in UTF-8. The characters are read with `charCodeAt.call(s, i)`, not
 * `s.charCodeAt(i)`: in the gateway the arguments come in many string representations (flat, concatenated, sliced,
 * internalized…), the lookup of `s.charCodeAt` turns megamorphic (a generic property lookup per character) and the
 * encoding of a `syBatch` of four requests took ≈ 13 µs instead of ≈ 4.
 */
const CR = 13
const LF = 10
const DOLLAR = 36
const charCodeAt = String.prototype.charCodeAt

/** A scratch buffer reused by every encoding (the result is a copy of the part written). */
let scratch = Buffer.allocUnsafe(16 * 1024)

/** The most bytes `s` can take in UTF-8 (3 per UTF-16 unit), plus its bulk-string header and trailer. */
const bound = (s: string): number => 3 * s.length + 16

/** Copy the `n` units of `s` at `at`, one byte each: where the copy ends, or -1 if `s` is not ASCII (then it means nothing). */
const copyAscii = (b: Buffer, at: number, s: string, n: number): number => {
  let all = 0
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(s, i)
    all |= c
    b[at + i] = c
  }
  return all > 127 ? -1 : at + n
}

const decimal = (b: Buffer, at: number, n: number): number => {
  if (n < 10) {
    b[at] = 48 + n
    return at + 1
  }
  const s = String(n)
  return copyAscii(b, at, s, s.length)
}

export const encodeCommand = (head: string, args: ReadonlyArray<string>): Buffer => {
  let size = head.length
  for (let i = 0; i < args.length; i++) size += bound(args[i]!)
  if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, 2 * scratch.length))
  const b = scratch
  let at = copyAscii(b, 0, head, head.length)
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const n = a.length
    const start = at
    b[at++] = DOLLAR
    at = decimal(b, at, n)
    b[at++] = CR
    b[at++] = LF
    const end = copyAscii(b, at, a, n)
    if (end >= 0) at = end
    else {
      // not ASCII: the header counts UTF-8 bytes
      at = decimal(b, start + 1, Buffer.byteLength(a))
      b[at++] = CR
      b[at++] = LF
      at += b.write(a, at, "utf8")
    }
    b[at++] = CR
    b[at++] = LF
  }
  return Buffer.from(b.subarray(0, at))
}
