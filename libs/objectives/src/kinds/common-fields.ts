/**
 * The pieces every experiment kind's config schema repeats: a field with its default and meaning,
 * the study name, the built-in task's seed and prompt splits, and the base policy block (whose
 * heads must divide dModel). Each kind passes its own descriptions, so the help text still says
 * what the field means for that study.
 */
import { type FieldMeta, type Schema, describeValue, join, meta, num, obj, refine, str, withDefault } from "../config/validate.ts";

export const positiveInt = (max?: number) => num({ integer: true, min: 1, max });
export const nonNegativeInt = num({ integer: true, min: 0 });

/** A field with its default and its meaning (one declaration for validation, forms and help). */
export function field<T>(schema: Schema<T>, value: T, info: FieldMeta): Schema<T> {
  return meta(withDefault(schema, value), info);
}

/** The `experiment` field: the one kind name a config of this kind may carry. */
export function experimentField<E extends string>(experiment: E, value: E): Schema<E> {
  return field(str({ oneOf: [experiment] }) as Schema<E>, value, { description: "The experiment this config is for." });
}

/** The study `name` field (part of run ids, so a safe file-name fragment). */
export function studyNameField(value: string, description: string): Schema<string> {
  return field(str({ pattern: /^[a-z0-9][a-z0-9_.-]*$/i, patternText: "a name of letters, digits, ., - and _" }), value, { description });
}

/** `task.kind` of a kind that runs on the built-in task only. */
export function builtinKindField(value: "builtin", description: string): Schema<"builtin"> {
  return field(str({ oneOf: ["builtin"] }) as Schema<"builtin">, value, { description });
}

/** `task.seed`: the seed of the built-in task world. */
export function taskSeedField(value: number, description: string): Schema<number> {
  return field(nonNegativeInt, value, { description });
}

export interface PromptSplits {
  train: number;
  validation: number;
  test: number;
}

/** What each split's prompts are for in this study. */
export type PromptSplitText = Record<keyof PromptSplits, string>;

/** `task.prompts`: prompts per split; `emptyValidation` lets a study that needs no validation prompts ask for 0. */
export function promptSplitsField(
  value: PromptSplits,
  text: PromptSplitText,
  opts: { emptyValidation?: boolean } = {},
): Schema<PromptSplits> {
  return field(
    obj<PromptSplits>({
      train: field(positiveInt(), value.train, { description: text.train, unit: "prompts" }),
      validation: field(opts.emptyValidation ? nonNegativeInt : positiveInt(), value.validation, {
        description: text.validation,
        unit: "prompts",
      }),
      test: field(positiveInt(), value.test, { description: text.test, unit: "prompts" }),
    }),
    value,
    { description: "Prompts per split." },
  );
}

export interface BuiltinTask {
  kind: "builtin";
  seed: number;
  prompts: PromptSplits;
}

/** The whole `task` block of a kind that runs on the built-in task only. */
export function builtinTaskField(
  value: BuiltinTask,
  text: { kind: string; seed: string; prompts: PromptSplitText; block: string },
): Schema<BuiltinTask> {
  return field(
    obj<BuiltinTask>({
      kind: builtinKindField(value.kind, text.kind),
      seed: taskSeedField(value.seed, text.seed),
      prompts: promptSplitsField(value.prompts, text.prompts),
    }),
    value,
    { description: text.block },
  );
}

/** A transformer's attention heads split its width evenly, so heads must divide dModel. */
export function headsDivideDModel<T extends { dModel: number; heads: number }>(schema: Schema<T>): Schema<T> {
  return refine(schema, (m, path, issues) => {
    if (m.dModel % m.heads !== 0)
      issues.push({ path: join(path, "heads"), message: `expected a divisor of dModel (${m.dModel}), got ${m.heads}` });
  });
}

/** A registered model folder by its lab id (`goodhart models list`, LabApi models.initChoices). */
export type ModelRef = `model:${number}`;
const MODEL_REF = /^model:([1-9][0-9]*)$/;

/** The lab id of a `model:<id>` value; null for the kind's own starts ("builtin", "pretrained", ...). */
export function modelIdOf(init: unknown): number | null {
  const m = typeof init === "string" ? MODEL_REF.exec(init) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Where a policy or reward model starts: one of the kind's own starts, or a registered model
 * (`model:<id>`). Described as two variants so a form offers the lab's registered models in one
 * select (picker "model") and the kind's own starts in the other; the model variant comes first
 * because a form starts a newly chosen variant empty, and an empty string is then still read as
 * "a model not chosen yet" rather than as the other variant.
 */
export function modelInitSchema<B extends string>(builtins: readonly B[]): Schema<B | ModelRef> {
  return {
    parse(value, path, issues) {
      if (typeof value === "string" && ((builtins as readonly string[]).includes(value) || MODEL_REF.test(value)))
        return value as B | ModelRef;
      const own = builtins.map((b) => JSON.stringify(b)).join(", ");
      issues.push({
        path,
        message: `expected ${own} or "model:<id>" of a registered model (goodhart models list), got ${describeValue(value)}`,
      });
      return undefined;
    },
    describe: () => ({
      anyOf: [
        {
          type: "string",
          pattern: MODEL_REF.source,
          title: "registered model",
          description: "model:<id> of a registered Hugging Face model folder (goodhart models import).",
          picker: "model",
        },
        { type: "string", enum: [...builtins] },
      ],
    }),
  };
}

/**
 * `basePolicy.init`: "builtin" (the form's default) or left out = the kind's own base policy,
 * "model:<id>" = a registered model. "builtin" parses to absent, so configs that never name a
 * model keep the run ids and cache keys they had before the field existed.
 */
export function policyInitField(description: string): Schema<"builtin" | ModelRef | undefined> {
  const schema = modelInitSchema(["builtin"] as const);
  return meta(
    {
      parse: (value, path, issues) => (value === "builtin" ? undefined : schema.parse(value, path, issues)),
      default: () => undefined,
      describe: () => ({ ...schema.describe(), default: "builtin" }),
    },
    { description },
  );
}

export interface BasePolicySizes {
  layers: number;
  dModel: number;
  heads: number;
  pretrainSteps: number;
  /** A registered model to start from instead ("model:<id>"); absent = the kind's own base policy. */
  init?: "builtin" | ModelRef;
}

/** What the base policy's fields mean in this study (heads defaults to the plain rule). */
export interface BasePolicyText {
  /** Description of `preset`; the block has a preset field exactly when its default has one. */
  preset?: string;
  layers: string;
  heads?: string;
  pretrainSteps: string;
}

/**
 * The `basePolicy` block: the tiny transformer pretrained on the task's generator (cached by
 * config), with an optional `preset` name in front of its sizes. `block` is the block's own meaning.
 */
export function basePolicyField<B extends BasePolicySizes>(value: B, text: BasePolicyText, block: FieldMeta): Schema<B> {
  const sizes = {
    layers: field(positiveInt(64), value.layers, { description: text.layers, unit: "layers" }),
    dModel: field(positiveInt(8192), value.dModel, { description: "Width of the base policy.", unit: "dimensions" }),
    heads: field(positiveInt(128), value.heads, { description: text.heads ?? "Attention heads; must divide dModel.", unit: "heads" }),
    pretrainSteps: field(nonNegativeInt, value.pretrainSteps, { description: text.pretrainSteps, unit: "steps" }),
    init: policyInitField(
      'Where the policy starts: left out or "builtin" = this base policy, "model:<id>" = a registered model (its tokenizer must fit the task).',
    ),
  };
  const preset = (value as Partial<{ preset: string }>).preset;
  const shape =
    preset === undefined ? sizes : { preset: field(str(), preset, { description: text.preset ?? "Name of the base policy." }), ...sizes };
  return field(headsDivideDModel(obj(shape) as unknown as Schema<B>), value, block);
}
