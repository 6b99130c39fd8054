/**
 * What a schema field with a `picker` hint (a dataset id, a model) offers: the lab's things as
 * value/label pairs. The Experiment screen provides them once through Svelte's context, so every
 * SchemaField below it - however deep the config - reads them without threading a prop through.
 */
import { getContext, setContext } from "svelte";
import type { DatasetDto } from "../../shared/index.ts";
import type { FieldSchema } from "./schema-form.ts";

export type FieldPicker = NonNullable<FieldSchema["picker"]>;

export interface PickerOption {
  value: number | string;
  label: string;
}

/** Options per picker kind, read when the field renders (so a newly imported dataset shows up). */
export type PickerOptions = Partial<Record<FieldPicker, () => readonly PickerOption[]>>;

const KEY = Symbol("schema-field-pickers");

export function providePickerOptions(options: PickerOptions): void {
  setContext(KEY, options);
}

/** The options of a picker kind; empty when no screen provides them. */
export function pickerOptions(picker: FieldPicker): readonly PickerOption[] {
  return getContext<PickerOptions | undefined>(KEY)?.[picker]?.() ?? [];
}

/** A dataset as a picker option: its name, id and size, so two imports of similar files are told apart. */
export function datasetOption(d: DatasetDto): PickerOption {
  return { value: d.id, label: `${d.name} (#${d.id}, ${d.format}, ${d.rowCount} rows)` };
}

/**
 * The registered models among LabApi models.initChoices, as picker options: the "builtin" start
 * is each field's own choice (its other variant), so the model picker lists only `model:<id>`.
 */
export function modelInitOptions(choices: readonly { value: string; label: string }[]): PickerOption[] {
  return choices.filter((c) => c.value.startsWith("model:")).map((c) => ({ value: c.value, label: `${c.label} [${c.value}]` }));
}
