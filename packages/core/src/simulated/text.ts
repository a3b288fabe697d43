/**
 * Plausible completion text, one word per token, cut from a fixed passage (no randomness, no
 * allocation per word): `textOf(n)` is the first n words; `sliceWords(a, b)` words a..b-1.
 */
const WORDS = (
  "the router picked the cheapest endpoint that could still admit the request and the upstream " +
  "answered quickly with a short summary of the quarterly numbers followed by a list of open " +
  "questions about capacity planning for the launch where traffic is expected to triple for " +
  "two hours before settling back to its usual daily curve so the team wants provisioned " +
  "throughput held in reserve for critical calls while routine traffic stays on pay as you go " +
  "pools that are cheaper but can refuse work when a region runs out of accelerators"
).split(" ")

const PASSAGE_WORDS = 4096
const starts: Array<number> = []
const ends: Array<number> = []
let passage = ""
for (let i = 0; i < PASSAGE_WORDS; i++) {
  const w = WORDS[i % WORDS.length]!
  const sentenceStart = i % 17 === 0
  if (i > 0) passage += sentenceStart ? ". " : " "
  starts.push(passage.length)
  passage += sentenceStart ? w.charAt(0).toUpperCase() + w.slice(1) : w
  ends.push(passage.length)
}

/** Words from..to-1 of the passage (0 ≤ from < to ≤ PASSAGE_WORDS). */
const piece = (from: number, to: number): string => passage.slice(starts[from]!, ends[to - 1]!)

/** Words `from` (inclusive) to `to` (exclusive) of the endless text, with the separator before word `from` when from > 0, so consecutive slices concatenate to `textOf`. */
export const sliceWords = (from: number, to: number): string => {
  if (to <= from) return ""
  let out = ""
  let i = from
  while (i < to) {
    const base = i % PASSAGE_WORDS
    const end = Math.min(PASSAGE_WORDS, base + (to - i))
    const chunk = piece(base, end)
    const sep = i === 0 ? "" : base === 0 ? ". " : passage.slice(ends[base - 1]!, starts[base]!)
    out += sep + chunk
    i += end - base
  }
  return out
}

/** The first `n` words (a whole completion of n tokens). */
export const textOf = (n: number): string => sliceWords(0, n)
