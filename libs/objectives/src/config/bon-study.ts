// The best-of-n study's config schema moved to its kind folder; this path stays for existing imports.
export * from "../kinds/bon-study/schema.ts";
