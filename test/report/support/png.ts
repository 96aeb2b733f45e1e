/**
 * Just enough PNG decoding to look at a screenshot's pixels: 8-bit RGB or RGBA, not interlaced
 * (what Chromium writes), through node:zlib. Pixels come back as RGBA.
 */
import { inflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** RGBA, row by row. */
  pixels: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(png: Buffer): Image {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, color, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${color}, interlace ${interlace}`);
      }
      channels = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? (rows[y * stride + i - channels] ?? 0) : 0;
      const up = y > 0 ? (rows[(y - 1) * stride + i] ?? 0) : 0;
      const upLeft = y > 0 && i >= channels ? (rows[(y - 1) * stride + i - channels] ?? 0) : 0;
      const value = line[i] ?? 0;
      const predicted =
        filter === 0
          ? 0
          : filter === 1
            ? left
            : filter === 2
              ? up
              : filter === 3
                ? (left + up) >> 1
                : filter === 4
                  ? paeth(left, up, upLeft)
                  : NaN;
      if (Number.isNaN(predicted)) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      rows[y * stride + i] = (value + predicted) & 0xff;
    }
  }
  if (channels === 4) return { width, height, pixels: rows };
  const pixels = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    pixels.set(rows.subarray(p * 3, p * 3 + 3), p * 4);
    pixels[p * 4 + 3] = 255;
  }
  return { width, height, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export interface PixelStats {
  /** Distinct colours, each channel cut to 5 bits (anti-aliasing noise aside). */
  colours: number;
  /** Share of the pixels that are not (near) white. */
  inked: number;
  /** Pixels within `tolerance` of each wanted colour (`#rrggbb`). */
  matching: Record<string, number>;
}

export function pixelStats(image: Image, wanted: readonly string[] = [], tolerance = 24): PixelStats {
  const targets = wanted.map((hex) => [
    parseInt(hex.slice(1, 3), 16),
    parseInt(hex.slice(3, 5), 16),
    parseInt(hex.slice(5, 7), 16),
  ]);
  const matching = Object.fromEntries(wanted.map((hex) => [hex, 0]));
  const colours = new Set<number>();
  let inked = 0;
  const total = image.width * image.height;
  for (let p = 0; p < total; p++) {
    const r = image.pixels[p * 4] ?? 0;
    const g = image.pixels[p * 4 + 1] ?? 0;
    const b = image.pixels[p * 4 + 2] ?? 0;
    colours.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
    if (r < 240 || g < 240 || b < 240) inked++;
    targets.forEach(([tr = 0, tg = 0, tb = 0], i) => {
      if (Math.abs(r - tr) <= tolerance && Math.abs(g - tg) <= tolerance && Math.abs(b - tb) <= tolerance) {
        const hex = wanted[i] as string;
        matching[hex] = (matching[hex] ?? 0) + 1;
      }
    });
  }
  return { colours: colours.size, inked: total === 0 ? 0 : inked / total, matching };
}
