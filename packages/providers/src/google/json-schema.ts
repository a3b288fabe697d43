/**
 * Tool parameter schemas go to Gemini as JSON Schema, unconverted (`functionDeclarations[].parametersJsonSchema`,
 * `generationConfig.responseJsonSchema`): Gemini accepts `$ref`/`$defs`, `additionalProperties`, type arrays.
 * Only an object schema with no properties is left out (a function without parameters).
 */
type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

/** An object schema with no properties: sent without parameters. */
export const isEmptyObjectSchema = (schema: unknown): boolean =>
  !isObject(schema) ||
  (schema.type === "object" && (!isObject(schema.properties) || Object.keys(schema.properties).length === 0))
