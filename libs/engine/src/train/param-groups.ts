import type { Parameter } from "./parameter-store.ts";
import type { Schedule } from "./schedule.ts";

/**
 * Parameters that share a learning-rate schedule and a weight decay, e.g. a policy and its value
 * head trained at different rates.
 */
export interface ParamGroup {
  /** Names the group in step results (`lrs`) and errors; "default" is reserved. */
  name: string;
  /** Members: a name prefix, a RegExp over names, a list of names, or a predicate. */
  params: string | RegExp | readonly string[] | ((p: Parameter) => boolean);
  /** Learning rate by step; default the trainer's schedule. */
  schedule?: Schedule;
  /** Decoupled weight decay; default the optimizer's. Which parameters decay is still `decay(p)`. */
  weightDecay?: number;
}

/** A group with its members and every default filled in. */
export interface ResolvedGroup {
  name: string;
  schedule: Schedule;
  weightDecay: number;
  params: Parameter[];
}

/** The group of parameters no declared group claims. */
export const DEFAULT_GROUP = "default";

function matcher(spec: ParamGroup["params"]): (p: Parameter) => boolean {
  if (typeof spec === "string") return (p) => p.name.startsWith(spec);
  if (spec instanceof RegExp) return (p) => spec.test(p.name);
  if (typeof spec === "function") return spec;
  const names = new Set(spec);
  return (p) => names.has(p.name);
}

/**
 * Assigns every parameter to exactly one group. Parameters no group claims form the "default"
 * group (the trainer's schedule and weight decay). A parameter claimed by two groups, a group
 * that claims nothing, a listed name that is not a parameter and duplicate group names are errors.
 */
export function resolveGroups(
  params: readonly Parameter[],
  groups: readonly ParamGroup[],
  defaults: { schedule: Schedule; weightDecay: number },
): ResolvedGroup[] {
  const seen = new Set<string>([DEFAULT_GROUP]);
  for (const g of groups) {
    if (seen.has(g.name))
      throw new Error(`parameter groups: the name "${g.name}" is ${g.name === DEFAULT_GROUP ? "reserved" : "used twice"}`);
    seen.add(g.name);
    if (Array.isArray(g.params)) {
      const known = new Set(params.map((p) => p.name));
      const unknown = (g.params as readonly string[]).filter((n) => !known.has(n));
      if (unknown.length)
        throw new Error(`parameter group "${g.name}": no parameter named ${unknown.map((n) => JSON.stringify(n)).join(", ")}`);
    }
  }
  const resolved: ResolvedGroup[] = groups.map((g) => ({
    name: g.name,
    schedule: g.schedule ?? defaults.schedule,
    weightDecay: g.weightDecay ?? defaults.weightDecay,
    params: [],
  }));
  const fallback: ResolvedGroup = { name: DEFAULT_GROUP, schedule: defaults.schedule, weightDecay: defaults.weightDecay, params: [] };
  const matchers = groups.map((g) => matcher(g.params));
  for (const p of params) {
    const owners = matchers.flatMap((m, i) => (m(p) ? [i] : []));
    if (owners.length > 1)
      throw new Error(`parameter "${p.name}" is in groups ${owners.map((i) => `"${groups[i]!.name}"`).join(" and ")}; it must be in one`);
    (owners.length ? resolved[owners[0]!]! : fallback).params.push(p);
  }
  const empty = resolved.find((g) => g.params.length === 0);
  if (empty) throw new Error(`parameter group "${empty.name}" matches no parameter`);
  return fallback.params.length ? [fallback, ...resolved] : resolved;
}
