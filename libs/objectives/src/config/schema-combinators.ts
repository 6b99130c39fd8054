// The combinators a kind's config schema is declared with (see validate.ts), as one namespace.
export { bool, join, list, meta, nullable, num, obj, oneOf, optional, record, refine, str, withDefault } from "./validate.ts";
