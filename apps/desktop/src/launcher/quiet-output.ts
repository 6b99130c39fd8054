/**
 * Startup output is one line per fact. Native libraries below the lab write warnings to stderr that
 * say nothing to a user and nothing they can act on: Dawn (WebGPU) reports that the Vulkan loader is
 * missing, with a C++ source location, and Chromium (in Electron) logs GPU, GL and D-Bus probing.
 * These lines are dropped from the output of the processes the launcher starts; everything else is
 * passed through unchanged.
 */
import type { Readable } from "node:stream";

/** Lines no user needs: each pattern names what prints it. */
const NOISE: readonly RegExp[] = [
  // Dawn, probing the WebGPU device: "Warning: Couldn't load Vulkan: libvulkan.so.1: ..." ...
  /^Warning: Couldn't load Vulkan\b/,
  // ... followed by the C++ frame it came from: "    at operator() (/build/.../dawn/native/vulkan/BackendVk.cpp:368)".
  /^\s+at \S.*[/\\]dawn[/\\]/,
  // The Vulkan loader itself when no driver is installed.
  /^(WARNING|ERROR): \[Loader Message\]|vkCreateInstance: Found no drivers/,
  // Chromium's own log lines about GPU, GL, Vulkan, video acceleration and D-Bus probing:
  // "[1234:0101/120000.123456:ERROR:gpu_init.cc(...)] ...".
  /^\[\d+:\d+\/\d+\.\d+:(?:ERROR|WARNING|INFO):[^\]]*(?:gpu|gl_|egl|angle|vulkan|viz|vaapi|dbus|bus\.cc|object_proxy)[^\]]*\]/i,
];

export function isNoise(line: string): boolean {
  return NOISE.some((pattern) => pattern.test(line));
}

/** Forwards a child's output line by line to `write`, without the noise. */
export function forwardWithoutNoise(stream: Readable, write: (text: string) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop()!;
    for (const line of lines) if (!isNoise(line)) write(`${line}\n`);
  });
  stream.on("end", () => {
    if (pending && !isNoise(pending)) write(pending);
  });
}
