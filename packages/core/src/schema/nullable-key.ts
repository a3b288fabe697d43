import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"

/**
 * An optional key that may also be sent as `null`, which means the same as leaving it out: the
 * decoded object has no such key. OpenAPI-generated SDKs send unset fields as `null`, and
 * OpenRouter's `ProviderPreferences` declares every field nullable (wire-facts §1). Consumers of the
 * decoded value only ever see "absent" (`undefined`), so a null never overrides a default in a merge.
 */
export const nullableKey = <S extends Schema.Top>(schema: S) =>
  Schema.optionalKey(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(
      Schema.optionalKey(Schema.toType(schema)),
      SchemaTransformation.transformOptional<S["Type"], S["Type"] | null>({
        decode: (o) => (Option.isSome(o) && o.value === null ? Option.none() : o),
        encode: (o) => o,
      }),
    ),
  )
