/**
 * Which runtime trains and scores a study's proxy reward models. A training step of the demo's
 * proxies (1x16 to 2x32) is about a thousand small ONNX Runtime kernels; with two intra-op threads
 * most of the second thread's time goes to handing work over and waiting, so one thread took 2.3x
 * less CPU time for the same steps, and less wall time on the shared machine it was measured on
 * (docs/best-of-n.md, "Wall time"). Proxies up to SINGLE_THREAD_MAX_PARAMS parameters (all members
 * together) therefore run on a one-thread CPU runtime; larger ones keep the study's runtime.
 * A fixed thread count keeps them deterministic: the same config and seed give the same bytes.
 */
import { createRuntime, type Runtime } from "@goodhart/engine";

/** Largest proxy program (parameters of all members) that runs single-threaded. */
export const SINGLE_THREAD_MAX_PARAMS = 1_000_000;

export interface ProxyRuntimes {
  /** The runtime for proxy programs with this many parameters. */
  forParams(params: number): Promise<Runtime>;
  /** Whether forParams(params) is the dedicated one-thread CPU runtime (which a stack-training worker can reproduce exactly). */
  singleThreaded(params: number): boolean;
  /** Releases the one-thread runtime if one was opened (never the study's own). */
  release(): Promise<void>;
}

export function proxyRuntimes(runtime: Runtime): ProxyRuntimes {
  let single: Promise<Runtime> | undefined;
  const singleThreaded = (params: number) => runtime.device === "cpu" && runtime.threads !== 1 && params <= SINGLE_THREAD_MAX_PARAMS;
  return {
    forParams(params) {
      if (!singleThreaded(params)) return Promise.resolve(runtime);
      return (single ??= createRuntime({ device: "cpu", threads: 1 }));
    },
    singleThreaded,
    async release() {
      if (single) await (await single).release();
    },
  };
}
