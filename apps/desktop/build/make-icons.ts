/**
 * The app's icons, all from one drawing (build/icon.svg): PNGs for Linux (build/icons/<n>x<n>.png)
 * and the window (build/icon.png), an ICO for Windows and an ICNS for macOS. Run by
 * `npm run icons -w apps/desktop`; the outputs are committed, so packaging needs no rasteriser.
 *
 * ICO and ICNS are plain containers, written here: both may hold PNG images as they are
 * (ICO since Windows Vista, ICNS since macOS 10.7), so each is a small header, a table and the PNGs.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Resvg } from "@resvg/resvg-js";

export const buildDir = fileURLToPath(new URL(".", import.meta.url));

/** Linux icon theme sizes (electron-builder installs each into hicolor/<n>x<n>/apps). */
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512] as const;
/** What Windows picks from for the taskbar, Explorer views and the installer. */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
/** ICNS element types holding PNG data, with the pixel size each holds (the @2x types are double). */
export const ICNS_TYPES: readonly (readonly [type: string, pixels: number])[] = [
  ["icp4", 16],
  ["icp5", 32],
  ["icp6", 64],
  ["ic07", 128],
  ["ic08", 256],
  ["ic09", 512],
  ["ic10", 1024],
  ["ic11", 32],
  ["ic12", 64],
  ["ic13", 256],
  ["ic14", 512],
];

/** Rasterises the SVG to a square PNG of `size` pixels. */
export function renderPng(svg: string | Buffer, size: number): Buffer {
  return Buffer.from(new Resvg(svg, { fitTo: { mode: "width", value: size }, background: "rgba(0,0,0,0)" }).render().asPng());
}

/** Width and height from a PNG's IHDR chunk (the first chunk, right after the 8-byte signature). */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString("ascii", 12, 16) !== "IHDR")
    throw new Error("not a PNG (no signature or IHDR chunk)");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** An ICO file holding the PNGs as they are: ICONDIR, one 16-byte entry per image, then the images. */
export function encodeIco(pngs: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  const entries = Buffer.alloc(16 * pngs.length);
  let offset = header.length + entries.length;
  pngs.forEach((png, i) => {
    const { width, height } = pngSize(png);
    if (width > 256 || height > 256) throw new Error(`an ICO image is at most 256 pixels wide, not ${width}`);
    const at = 16 * i;
    entries.writeUInt8(width === 256 ? 0 : width, at); // 0 means 256
    entries.writeUInt8(height === 256 ? 0 : height, at + 1);
    entries.writeUInt8(0, at + 2); // no palette
    entries.writeUInt8(0, at + 3); // reserved
    entries.writeUInt16LE(1, at + 4); // colour planes
    entries.writeUInt16LE(32, at + 6); // bits per pixel
    entries.writeUInt32LE(png.length, at + 8);
    entries.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, entries, ...pngs]);
}

/** An ICNS file: 'icns' and the total length, then per image its 4-byte type, its length (with this 8-byte header) and the PNG. */
export function encodeIcns(images: readonly (readonly [type: string, png: Buffer])[]): Buffer {
  const elements = images.map(([type, png]) => {
    if (!/^[\x20-\x7e]{4}$/.test(type)) throw new Error(`an ICNS type is 4 ASCII characters, not '${type}'`);
    const head = Buffer.alloc(8);
    head.write(type, 0, "ascii");
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write("icns", 0, "ascii");
  head.writeUInt32BE(8 + elements.reduce((n, e) => n + e.length, 0), 4);
  return Buffer.concat([head, ...elements]);
}

/** Writes every icon from build/icon.svg into `outDir`; returns the files written. */
export function makeIcons(svgFile = join(buildDir, "icon.svg"), outDir = buildDir): string[] {
  const svg = readFileSync(svgFile);
  const cache = new Map<number, Buffer>();
  const png = (size: number): Buffer => {
    if (!cache.has(size)) cache.set(size, renderPng(svg, size));
    return cache.get(size)!;
  };
  const written: string[] = [];
  const write = (file: string, bytes: Buffer): void => {
    writeFileSync(file, bytes);
    written.push(file);
  };
  mkdirSync(join(outDir, "icons"), { recursive: true });
  for (const size of LINUX_SIZES) write(join(outDir, "icons", `${size}x${size}.png`), png(size));
  write(join(outDir, "icon.png"), png(512));
  write(join(outDir, "icon.ico"), encodeIco(ICO_SIZES.map(png)));
  write(join(outDir, "icon.icns"), encodeIcns(ICNS_TYPES.map(([type, size]) => [type, png(size)] as const)));
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of makeIcons()) console.log(`wrote ${file}`);
}
