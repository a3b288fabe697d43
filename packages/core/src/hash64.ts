/**
 * Two 32-bit FNV-1a hashes of the UTF-16 code units (different offset bases, the second also mixing
 * the position), as 16 hex characters: a key, not a secret — a collision only shares a routing
 * preference or a simulated cache entry. Hand-written because core stays free of Node built-ins (it runs
 * on Workers too) and a hash this small is not worth a dependency.
 */
export const hash64 = (text: string): string => {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x9e3779b9
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ (c + i), 0x01000193)
  }
  return hex8(a) + hex8(b)
}

const hex8 = (x: number): string => (x >>> 0).toString(16).padStart(8, "0")
