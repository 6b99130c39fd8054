/**
 * Test helper: a real redis-server on a free 127.0.0.1 port, without persistence, stopped by the
 * test file that started it. Tests skip (with the reason) when redis-server or BullMQ's Redis
 * driver is missing on the machine.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";

/** Why the pool tests cannot run here, or null when they can. */
export function poolTestsUnavailable(): string | null {
  const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (found.error || found.status !== 0) return "redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)";
  try {
    // BullMQ loads its driver lazily from its own folder; resolve it the same way.
    createRequire(createRequire(import.meta.url).resolve("bullmq")).resolve("ioredis");
  } catch {
    return "BullMQ's Redis driver (ioredis) is not installed: npm install ioredis -w apps/desktop";
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/** PEM files for a TLS-only server: its certificate and key, and the CA that signed it. */
export interface RedisTlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export async function startRedis(options: { password?: string; tls?: RedisTlsFiles } = {}): Promise<RedisServer> {
  const port = await freePort();
  // With TLS the plain port is closed (--port 0): a client that does not speak TLS gets nothing.
  const listen = options.tls
    ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", options.tls.cert, "--tls-key-file", options.tls.key]
    : ["--port", String(port)];
  const tlsArgs = options.tls ? ["--tls-ca-cert-file", options.tls.ca, "--tls-auth-clients", "no"] : [];
  const args = [...listen, ...tlsArgs, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  if (options.password) args.push("--requirepass", options.password);
  const proc: ChildProcess = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${output}`)), 15_000);
    proc.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output}`));
    });
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}
