/**
 * PNG encoding of an opaque RGBA raster. resvg's own encoder (asPng) takes ~12–16 ms for a 1020 × 600 chart;
 * zlib level 3 with no row filter takes ~5 ms and the file is smaller (charts are mostly flat colour, which
 * deflate's matches catch without filtering). The raster must be opaque (a chart always has a background):
 * resvg's pixels are premultiplied, which equals straight alpha only at alpha 255.
 */
import { deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 as PNG chunks use it (zlib.crc32 needs Node ≥ 20.15; engines allow 20.12). */
export function crc32(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const b = Buffer.allocUnsafe(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, 'ascii');
  data.copy(b, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
  return b;
}

/** Whether every pixel of an RGBA buffer has alpha 255. */
export function isOpaque(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

/**
 * A tEXt chunk: Latin-1 keyword, NUL, text. We write ASCII only (JSON with non-ASCII escaped), which every PNG
 * reader keeps as is.
 */
function textChunk(keyword: string, text: string): Buffer {
  const ascii = text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return chunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(ascii, 'latin1')]));
}

/** The tEXt chunks of a PNG (keyword → text): what a chart says it drew (see render.ts `usermeta`). */
export function pngText(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 8;
  while (at + 8 <= png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    if (type === 'tEXt') {
      const data = png.subarray(at + 8, at + 8 + len);
      const nul = data.indexOf(0);
      if (nul > 0) out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    }
    if (type === 'IEND') break;
    at += 12 + len;
  }
  return out;
}

/**
 * An 8-bit RGBA PNG (colour type 6, filter None on every row) of `width` × `height` pixels, with optional tEXt
 * chunks (keyword → ASCII text) before the image data.
 */
export function encodePng(rgba: Buffer, width: number, height: number, text: Record<string, string> = {}): Buffer {
  const stride = width * 4;
  if (rgba.length !== stride * height) throw new Error(`encodePng: ${rgba.length} bytes for ${width} × ${height} RGBA`);
  const raw = Buffer.allocUnsafe((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA; compression, filter method and interlace stay 0
  const texts = Object.entries(text).map(([k, v]) => textChunk(k, v));
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), ...texts, chunk('IDAT', deflateSync(raw, { level: 3 })), chunk('IEND', Buffer.alloc(0))]);
}
