import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { type Indexed, IndexedSet } from "./indexed-set.js"

/** A tracked fiber (and its place in `RequestFibers.running`, -1 once it ended). */
interface Entry extends Indexed {
  readonly fiber: Fiber.Fiber<unknown, unknown>
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
 * An `IndexedSet`, not the fiber scope's finalizer `Map` keyed by fiber (see `IndexedSet` for why): each table V8
 * dropped held fibers, and each fiber's result is the whole served request. The gateway's bundle under JSON c64
 * (bench/README.md, "What survives a scavenge"): 1.2–1.3 MB promoted and 3.7–4.0 ms per scavenge with request fibers
 * in the fiber scope, 0.3 MB and 2.4–2.5 ms without.
 */
export class RequestFibers {
  private readonly running = new IndexedSet<Entry>()
  private closed = false

  get size(): number {
    return this.running.size
  }

  /** Track `fiber` until it ends; once `interruptAll` has run, interrupt it at once. */
  add(fiber: Fiber.Fiber<unknown, unknown>): void {
    if (this.closed) {
      fiber.interruptUnsafe()
      return
    }
    const entry: Entry = { fiber, at: -1 }
    this.running.add(entry)
    fiber.addObserver(removerOf(this.running, entry))
  }

  /** Interrupt every running request fiber and wait for them to end; fibers added later are interrupted at once. */
  readonly interruptAll: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    return Fiber.interruptAll(this.running.values().map((e) => e.fiber))
  })
}

/**
 * The observer that takes `entry` out of `running`, made outside `add` so that its closure holds those two alone
 * (not what else a function making it would keep; see `interrupterOf` in gateway.ts).
 */
const removerOf = (running: IndexedSet<Entry>, entry: Entry) => (): void => {
  running.remove(entry)
}
