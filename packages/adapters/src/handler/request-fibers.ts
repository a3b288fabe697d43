import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

/** A tracked fiber and its place in `RequestFibers.running` (-1 once it ended). */
interface Entry {
  readonly fiber: Fiber.Fiber<unknown, unknown>
  at: number
}

/**
 * The gateway's request fibers that are still running, so that closing the runtime's scope interrupts them (and
 * waits for them) before its services are released — what `ManagedRuntime.runFork` does by forking each fiber into
 * the runtime's fiber scope.
 *
 *   const fibers = new RequestFibers()
 *   fibers.add(Effect.runForkWith(context)(program))   // forgotten when it ends
 *   Scope.addFinalizer(runtime.scope, fibers.interruptAll)
 *
 * An array (an ended fiber's place taken by the last), not the fiber scope's finalizer `Map`: V8 rebuilds a `Map`'s
 * table every few dozen inserts and deletes (one each per request there), and each table it drops keeps a pointer to
 * the next one. Once one of them has been promoted to the old generation, a scavenge cannot tell it is dead, so every
 * later table, every fiber they held and each fiber's result (the whole served request) survive scavenges until the
 * next full collection, and are promoted in turn. The gateway's bundle under JSON c64 (bench/README.md, "What
 * survives a scavenge"): 1.2–1.3 MB promoted and 3.7–4.0 ms per scavenge with request fibers in the fiber scope,
 * 0.3 MB and 2.4–2.5 ms without.
 */
export class RequestFibers {
  private readonly running: Array<Entry> = []
  private closed = false

  get size(): number {
    return this.running.length
  }

  /** Track `fiber` until it ends; once `interruptAll` has run, interrupt it at once. */
  add(fiber: Fiber.Fiber<unknown, unknown>): void {
    if (this.closed) {
      fiber.interruptUnsafe()
      return
    }
    const entry: Entry = { fiber, at: this.running.length }
    this.running.push(entry)
    fiber.addObserver(forgetterOf(this, entry))
  }

  /** @internal the observer's side of `add` */
  forget(entry: Entry): void {
    const at = entry.at
    if (at < 0) return
    entry.at = -1
    const running = this.running
    const last = running.pop()!
    if (last !== entry) {
      running[at] = last
      last.at = at
    }
  }

  /** Interrupt every running request fiber and wait for them to end; fibers added later are interrupted at once. */
  readonly interruptAll: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    return Fiber.interruptAll(this.running.map((e) => e.fiber))
  })
}

/**
 * The observer that forgets `entry`, made outside `add` so that its closure holds the registry and the entry alone
 * (not what else a function making it would keep; see `interrupterOf` in gateway.ts).
 */
const forgetterOf = (fibers: RequestFibers, entry: Entry) => (): void => {
  fibers.forget(entry)
}
