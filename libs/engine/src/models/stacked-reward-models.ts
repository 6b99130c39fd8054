import type { Dim } from "../ir/dims.ts";
import { dimMul } from "../ir/dims.ts";
import type { Tensor } from "../ir/tensor.ts";
import { concat, where, zeros } from "../ir/tensor.ts";
import { activate } from "../nn/activations.ts";
import { applyLayerNorm } from "../nn/layer-norm.ts";
import { applyRmsNorm } from "../nn/rms-norm.ts";
import { ParameterStore } from "../train/parameter-store.ts";
import type { RewardModel } from "./reward-model.ts";
import type { ResolvedTrunkConfig } from "./trunk.ts";
import { trunkParameterSpecs } from "./trunk.ts";

/**
 * M reward models of one architecture as one program: every parameter carries a leading member
 * axis (M, ...), so each ONNX Runtime op does the work of all M members at once (a batched MatMul
 * (M, N, C) x (M, C, D) instead of M small ones). Tiny models spend most of a step in per-op
 * dispatch, so this divides that overhead by M. The members stay independent: member m's scores
 * depend on member m's parameters only, so the gradient of a sum of per-member losses is each
 * member's own gradient.
 *
 * Parameter `<name>` of member m is slice m of `stack.<name>`, where `<name>` is the RewardModel's
 * own parameter name; {@link StackedRewardModels.fromModels} copies members in and
 * {@link StackedRewardModels.unstackInto} copies them back, so checkpoints and scoring of the
 * ordinary models are unchanged.
 */
export class StackedRewardModels {
  readonly kind = "stacked-reward-models";
  readonly store = new ParameterStore(0);
  /** Member parameter names (as in a RewardModel's store) in declaration order. */
  readonly names: readonly string[];
  private readonly p = new Map<string, Tensor>();

  private constructor(
    readonly config: ResolvedTrunkConfig,
    readonly members: number,
    values: (name: string, shape: readonly number[]) => Float32Array,
  ) {
    const specs = [
      ...trunkParameterSpecs(config),
      { name: "score_head.weight", shape: [config.dModel, 1] },
      { name: "score_head.bias", shape: [1] },
    ];
    this.names = specs.map((s) => s.name);
    for (const s of specs)
      this.p.set(s.name, this.store.param(`stack.${s.name}`, [members, ...s.shape], { kind: "values", values: values(s.name, s.shape) }));
  }

  /** Why models of this config cannot be stacked (features the stacked forward does not implement), or null. */
  static unsupported(config: ResolvedTrunkConfig): string | null {
    if (config.positions !== "learned") return "rotary positions";
    if (config.dropout > 0) return "dropout";
    if (config.nKvHeads !== config.nHeads) return "grouped-query attention";
    return null;
  }

  /** Stacks copies of the models' current parameters (all of one config, no prefix). */
  static fromModels(models: readonly RewardModel[]): StackedRewardModels {
    if (models.length === 0) throw new Error("StackedRewardModels: no models to stack");
    const config = models[0]!.config;
    const why = StackedRewardModels.unsupported(config);
    if (why) throw new Error(`StackedRewardModels: reward models with ${why} cannot be stacked`);
    models.forEach((m, i) => {
      if (JSON.stringify(m.config) !== JSON.stringify(config))
        throw new Error(`StackedRewardModels: model ${i} has a different config than model 0`);
    });
    return new StackedRewardModels(config, models.length, (name, shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const out = new Float32Array(models.length * n);
      models.forEach((m, i) => out.set(m.store.get(name).value, i * n));
      return out;
    });
  }

  /** Copies member m's current parameters into models[m]'s store (fresh arrays). */
  unstackInto(models: readonly RewardModel[]): void {
    if (models.length !== this.members) throw new Error(`unstackInto: ${models.length} models for ${this.members} stacked members`);
    for (const name of this.names) {
      const stacked = this.store.get(`stack.${name}`).value;
      const n = stacked.length / this.members;
      models.forEach((m, i) => m.store.set(name, stacked.slice(i * n, (i + 1) * n)));
    }
  }

  /**
   * ids (M or 1, R, T) int64 and mask (M or 1, R, T) bool -> rewards (M, R), each member's read at
   * its rows' last real token. A leading 1 shares the rows among all members (scoring).
   */
  scores(ids: Tensor, mask: Tensor): Tensor {
    const c = this.config;
    const M = this.members;
    const [, R, T] = ids.shape as [Dim, Dim, Dim];
    const MR = dimMul(M, R);
    const N = dimMul(R, T);
    const H = c.nHeads;
    const D = c.headDim;
    const p = (name: string) => this.p.get(name)!;
    const rowMask = mask.expand([M, R, T]);

    // Each member gathers from its own table: one Gather per member keeps the embedding gradient's
    // scatter (a one-hot MatMul over the table's rows) at M x (V, N) instead of one (M V, M N).
    const embed = (name: string, indices: Tensor) =>
      concat(
        Array.from({ length: M }, (_, m) => {
          const [, rows, C] = p(name).shape as [number, number, number];
          const own = indices.shape[0] === 1 ? indices : indices.slice(0, m, m + 1);
          return p(name)
            .slice(0, m, m + 1)
            .reshape([rows, C])
            .gather(own); // (1, R, T, C)
        }),
        0,
      ); // (M, R, T, C)
    const positions = rowMask
      .cast("float32")
      .cumsum(2, { exclusive: true })
      .clip(0, c.maxSeq - 1)
      .cast("int64"); // (M, R, T)
    let x = embed("tok.weight", ids).add(embed("pos.weight", positions)).reshape([M, N, c.dModel]); // (M, R*T, C)

    const norm = (name: string, h: Tensor) => {
      const gain = p(`${name}.weight`).reshape([M, 1, c.dModel]);
      if (c.norm === "rmsnorm") return applyRmsNorm(h, gain, c.normEps);
      return applyLayerNorm(h, gain, p(`${name}.bias`).reshape([M, 1, c.dModel]), c.normEps);
    };
    const project = (name: string, h: Tensor) => {
      const y = h.matmul(p(`${name}.weight`)); // (M, N, in) x (M, in, out)
      const bias = this.p.get(`${name}.bias`);
      return bias ? y.add(bias.reshape([M, 1, bias.shape[1]!])) : y;
    };
    const arange = zeros([T], "float32").add(1).cumsum(0, { exclusive: true }); // (T,)
    // One additive mask for future and padding keys, shared by every layer: -1e9 where either
    // masks, 0 elsewhere. Adding 0 leaves a score exactly as it was and a masked weight is exactly 0
    // after softmax, as with the trunk's two Wheres, at one op on the scores instead of two.
    const future = arange.unsqueeze(1).lt(arange.unsqueeze(0)); // (T, T)
    const blocked = where(rowMask.reshape([MR, 1, 1, T]), where(future, -1e9, 0), -1e9); // (M*R, 1, T, T)
    const heads = (t: Tensor) => t.reshape([MR, T, H, D]).transpose([0, 2, 1, 3]); // (M*R, H, T, D)

    for (let i = 0; i < c.nLayers; i++) {
      const b = `blocks.${i}`;
      const h1 = norm(`${b}.ln1`, x);
      const [q, k, v] = c.fusedQkv
        ? project(`${b}.attn.qkv`, h1).split(2, [H * D, H * D, H * D])
        : [project(`${b}.attn.q`, h1), project(`${b}.attn.k`, h1), project(`${b}.attn.v`, h1)];
      let scores = heads(q!)
        .matmul(heads(k!).T)
        .mul(1 / Math.sqrt(D)); // (M*R, H, T, T)
      scores = scores.add(blocked);
      const mixed = scores.softmax(-1).matmul(heads(v!)); // (M*R, H, T, D)
      const attnOut = project(`${b}.attn.proj`, mixed.transpose([0, 2, 1, 3]).reshape([M, N, H * D]));
      const mlp = (h: Tensor) => {
        const hidden = c.gatedMlp
          ? activate(c.activation, project(`${b}.mlp.gate`, h)).mul(project(`${b}.mlp.up`, h))
          : activate(c.activation, project(`${b}.mlp.up`, h));
        return project(`${b}.mlp.down`, hidden);
      };
      if (c.parallelResidual) x = x.add(attnOut).add(mlp(norm(`${b}.ln2`, x)));
      else {
        x = x.add(attnOut);
        x = x.add(mlp(norm(`${b}.ln2`, x)));
      }
    }
    const hidden = norm("ln_f", x); // (M, R*T, C)
    const values = project("score_head", hidden).reshape([M, R, T]); // (M, R, T)
    // Each row's last real token: the largest position whose mask is true (as RewardModel reads it).
    const pos1 = arange.reshape([1, 1, T]);
    const m = rowMask.cast("float32");
    const last = m.mul(pos1).max([2], true); // (M, R, 1)
    return values.mul(pos1.eq(last).cast("float32").mul(m)).sum([2]); // (M, R)
  }
}
