/**
 * The built-in task's small world: its word lists and facts. Everything a completion can say is
 * built from these words, so a tiny policy can learn the whole language.
 */

export const CATEGORIES = ["review", "fact", "list", "greeting"] as const;
/** A task category; the outer router of a DMoERM-style model would classify prompts into these. */
export type TaskCategory = (typeof CATEGORIES)[number];

export const POSITIVE_WORDS = ["good", "great", "excellent", "lovely", "solid", "nice"] as const;
export const NEGATIVE_WORDS = ["bad", "poor", "awful", "weak", "cheap", "boring"] as const;
export const INTENSIFIERS = ["very", "really", "so"] as const;
export const NEGATOR = "not";

export const PRODUCTS = ["camera", "phone", "lamp", "chair", "kettle", "jacket", "backpack", "speaker", "blender", "watch"] as const;
export const ASPECTS = ["battery", "screen", "price", "design", "quality", "sound", "size", "handle"] as const;

/** The world's facts: what colour each thing is. */
export const THING_COLORS: Readonly<Record<string, string>> = {
  sky: "blue",
  sea: "blue",
  grass: "green",
  leaf: "green",
  snow: "white",
  milk: "white",
  coal: "black",
  night: "black",
  banana: "yellow",
  lemon: "yellow",
  blood: "red",
  cherry: "red",
};
export const COLORS = ["blue", "green", "white", "black", "yellow", "red"] as const;

/** Kinds of things a list prompt asks for, with their members. */
export const LIST_KINDS: Readonly<Record<string, readonly string[]>> = {
  fruits: ["apple", "pear", "plum", "grape", "peach", "mango"],
  animals: ["cat", "dog", "horse", "sheep", "goat", "mouse"],
  tools: ["hammer", "saw", "drill", "wrench", "shovel", "pliers"],
  instruments: ["piano", "guitar", "drum", "violin", "flute", "harp"],
};
export const COUNT_WORDS: Readonly<Record<number, string>> = { 2: "two", 3: "three", 4: "four" };

export const NAMES = ["anna", "ben", "carla", "dev", "emma", "farid", "grace", "hugo", "ines", "jon", "kira", "leo"] as const;
export const GREETING_WORDS = ["hello", "hi", "morning"] as const;

/** The filler the generator's disfluency channel inserts. */
export const FILLER = "um";

/**
 * Words that carry little content: they do not count as repetitions (see the gold `repetition`
 * component). Punctuation is included.
 */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set([
  "the",
  "this",
  "a",
  "is",
  "it",
  "and",
  "or",
  "i",
  "you",
  "to",
  "of",
  "for",
  "are",
  "am",
  "would",
  "do",
  "not",
  "me",
  "some",
  "here",
  "think",
  "know",
  "sure",
  "about",
  "how",
  "have",
  "hope",
  "well",
  "meet",
  "day",
  ".",
  ",",
  "?",
  "!",
  ":",
]);
