export { decodeSimulatedOptions, SimulatedOptions } from "./options.js"
export { makeSimulatedProvider, simulatedPlugin } from "./plugin.js"
