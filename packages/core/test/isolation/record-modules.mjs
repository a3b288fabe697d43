// `node --import ./record-modules.mjs …`: record every module the process resolves (see record-hooks.mjs).
import { register } from "node:module"

register("./record-hooks.mjs", import.meta.url)
