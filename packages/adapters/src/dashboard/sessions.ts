import { randomBytes } from "node:crypto"

export const SESSION_COOKIE = "switchyard_dashboard"

/**
 * Dashboard sign-ins: a random token per browser, kept here (never the key), sent back as an
 * `HttpOnly; SameSite=Strict` cookie. Bounded: at most `max` sessions (the oldest goes first), each
 * valid for `ttlMs`; a key change (config reload) ends them all.
 */
export class DashboardSessions {
  private readonly sessions = new Map<string, number>()

  constructor(
    readonly ttlMs = 12 * 60 * 60 * 1000,
    readonly max = 1_000,
  ) {}

  create(now: number): string {
    for (const [token, expires] of this.sessions) if (expires <= now) this.sessions.delete(token)
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next().value
      if (oldest === undefined) break
      this.sessions.delete(oldest)
    }
    const token = randomBytes(32).toString("base64url")
    this.sessions.set(token, now + this.ttlMs)
    return token
  }

  valid(token: string | undefined, now: number): boolean {
    if (token === undefined) return false
    const expires = this.sessions.get(token)
    if (expires === undefined) return false
    if (expires > now) return true
    this.sessions.delete(token)
    return false
  }

  clear(): void {
    this.sessions.clear()
  }

  /** The `Set-Cookie` value of a new session. */
  cookie(token: string): string {
    return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.ttlMs / 1000)}`
  }
}

/** The session token of a `Cookie` header. */
export const sessionOf = (cookie: string | undefined): string | undefined => {
  if (cookie === undefined) return undefined
  for (const part of cookie.split(";")) {
    const i = part.indexOf("=")
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) return part.slice(i + 1).trim()
  }
  return undefined
}
