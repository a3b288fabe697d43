import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { type MemoryCapacityOptions, makeMemoryCapacity } from "./memory.js"
import type { CapacityShape } from "./shape.js"

export type { Admission, CapacityShape, ObserveOptions, Reservation, ReserveOptions } from "./shape.js"

export class CapacityMeter extends Context.Service<CapacityMeter, CapacityShape>()("@switchyard/core/CapacityMeter") {
  /** In-memory store for one process. */
  static readonly layer: Layer.Layer<CapacityMeter> = Layer.sync(CapacityMeter, () => makeMemoryCapacity())
  static readonly layerWith = (options: MemoryCapacityOptions): Layer.Layer<CapacityMeter> =>
    Layer.sync(CapacityMeter, () => makeMemoryCapacity(options))
}
