// Engine benchmark. Grows with the engine issues (GEMM peak, training throughput, generation).
import { probeDevice } from "@goodhart/engine";
import { median, recordBench } from "./record.ts";

const times: number[] = [];
for (let i = 0; i < 5; i++) times.push((await probeDevice("cpu")).ms);
recordBench("engine", "cpu", { cpu_session_create_run_ms: Number(median(times).toFixed(2)) });
