/**
 * JSON Schema (as OpenAI tools and `response_format` carry it) → the OpenAPI 3 subset Gemini's
 * `Schema` accepts (`functionDeclarations[].parameters`, `generationConfig.responseSchema`).
 *
 * Kept: type, nullable, description, title, enum, format (string date-time/enum only), items,
 * properties, required, anyOf (oneOf becomes anyOf), numeric/length/size bounds, propertyOrdering.
 * `type: [T, "null"]` becomes `type: T, nullable: true`; `const` becomes a one-value `enum`.
 * Dropped, because Gemini rejects them: `$schema`, `$id`, `additionalProperties`, `default`,
 * `examples`, `strict`, `$ref`/`$defs`/`definitions` (references are NOT resolved — inline them).
 */
type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

const passThrough = [
  "description",
  "title",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "propertyOrdering",
  "nullable",
] as const

export const toGeminiSchema = (schema: unknown): Json => {
  if (!isObject(schema)) return {}
  const out: Json = {}
  const type = schema.type
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== "null")
    if (nonNull.length < type.length) out.nullable = true
    if (nonNull.length === 1) out.type = nonNull[0]
    else if (nonNull.length > 1) out.anyOf = nonNull.map((t) => ({ type: t }))
  } else if (typeof type === "string") {
    if (type === "null") out.nullable = true
    else out.type = type
  }
  for (const key of passThrough) if (schema[key] !== undefined) out[key] = schema[key]
  if (Array.isArray(schema.enum)) out.enum = schema.enum.filter((v) => v !== null).map(String)
  if (schema.const !== undefined && schema.const !== null) out.enum = [String(schema.const)]
  if (out.enum !== undefined && out.type === undefined) out.type = "string"
  if (typeof schema.format === "string" && (schema.format === "date-time" || schema.format === "enum")) {
    out.format = schema.format
  }
  if (isObject(schema.properties)) {
    const props: Json = {}
    for (const [name, sub] of Object.entries(schema.properties)) props[name] = toGeminiSchema(sub)
    out.properties = props
  }
  if (Array.isArray(schema.required) && schema.required.length > 0) out.required = schema.required
  if (schema.items !== undefined) out.items = toGeminiSchema(schema.items)
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null
  if (alternatives !== null) {
    const nonNull = alternatives.filter((a) => !(isObject(a) && a.type === "null"))
    if (nonNull.length < alternatives.length) out.nullable = true
    if (nonNull.length === 1) Object.assign(out, toGeminiSchema(nonNull[0]))
    else if (nonNull.length > 1) out.anyOf = nonNull.map(toGeminiSchema)
  }
  return out
}

/** An object schema with no properties: Gemini rejects it as `parameters`, so the key is omitted. */
export const isEmptyObjectSchema = (schema: unknown): boolean =>
  !isObject(schema) ||
  (schema.type === "object" && (!isObject(schema.properties) || Object.keys(schema.properties).length === 0))
