/**
 * A Redis command on the wire (RESP2: an array of bulk strings): `head` (the command's first elements, already
 * encoded, ASCII) then each of `args` as a bulk string, in one buffer.
 *
 * Built as one string — `Array.prototype.join` of the arguments and their length headers, copied natively in one pass
 * — and encoded with one call, optimistically taking every argument's length in UTF-16 units as its length in bytes:
 * when the encoding comes out longer than the text, some argument was not ASCII, and the text is built again with UTF-8
 * lengths. No JavaScript loop over characters: in the gateway a per-character loop (`charCodeAt`) meets strings of
 * many representations (flat, concatenated, sliced, internalized…), and every property access on them turned
 * megamorphic (a generic lookup per character): ≈ 13 µs against ≈ 3.5 µs here for a `syBatch` of four requests.
 */

/** Length headers up to this many bytes come from the tables below (no string built per argument). */
const SMALL = 128
/** `$<n>\r\n`: the header of the first argument, `n` bytes long. */
const FIRST = Array.from({ length: SMALL }, (_, n) => `$${n}\r\n`)
/** `\r\n$<n>\r\n`: the end of the previous argument and the header of the next. */
const NEXT = FIRST.map((header) => `\r\n${header}`)

/** The pieces of the command being joined, reused by every encoding (emptied after each). */
const parts: Array<string> = []

const utf16Length = (s: string): number => s.length

const wireText = (head: string, args: ReadonlyArray<string>, lengthOf: (s: string) => number): string => {
  const n = args.length
  parts.length = 2 * n + 2
  parts[0] = head
  let k = 1
  for (let i = 0; i < n; i++) {
    const a = args[i]!
    const length = lengthOf(a)
    parts[k++] = length < SMALL ? (i === 0 ? FIRST : NEXT)[length]! : `${i === 0 ? "" : "\r\n"}$${length}\r\n`
    parts[k++] = a
  }
  parts[k] = n === 0 ? "" : "\r\n"
  const text = parts.join("")
  parts.length = 0
  return text
}

export const encodeCommand = (head: string, args: ReadonlyArray<string>): Buffer => {
  const text = wireText(head, args, utf16Length)
  const wire = Buffer.from(text, "utf8")
  if (wire.length === text.length) return wire
  // some argument is not ASCII: its header must count its UTF-8 bytes
  return Buffer.from(wireText(head, args, Buffer.byteLength), "utf8")
}
