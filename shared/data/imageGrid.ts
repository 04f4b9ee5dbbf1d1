/**
 * A grid of small grey or RGB images as one PNG (pngjs), e.g. real vs synthetic digits per class for the report.
 * Images are NHWC float32 with intensities in [0, 1] (values outside are clipped), laid out row by row.
 */
import * as fs from 'fs';
import { PNG } from 'pngjs';

export interface ImageGridOptions {
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB). */
  channels: number;
  /** Images per grid row (default: ⌈√n⌉). */
  columns?: number;
  /** Each pixel becomes scale × scale PNG pixels (default 2). */
  scale?: number;
  /** Pixels of background between images and around the grid (default 2). */
  padding?: number;
  /** Background grey level 0-255 (default 128, so black and white digits both stand out). */
  background?: number;
}

/** The PNG bytes of a grid of the `data.length / (H·W·C)` images in `data`. */
export function imageGridPng(data: Float32Array, options: ImageGridOptions): Buffer {
  const { height: H, width: W, channels: C } = options;
  if (C !== 1 && C !== 3) throw new Error(`imageGridPng: channels must be 1 or 3, got ${C}`);
  const size = H * W * C;
  if (size === 0 || data.length % size !== 0) throw new Error(`imageGridPng: ${data.length} floats is not a whole number of ${H}×${W}×${C} images`);
  const n = data.length / size;
  const columns = Math.max(1, options.columns ?? Math.ceil(Math.sqrt(Math.max(n, 1))));
  const rows = Math.max(1, Math.ceil(n / columns));
  const scale = options.scale ?? 2;
  const pad = options.padding ?? 2;
  const background = options.background ?? 128;
  const png = new PNG({ width: columns * (W * scale + pad) + pad, height: rows * (H * scale + pad) + pad });
  png.data.fill(background);
  for (let p = 3; p < png.data.length; p += 4) png.data[p] = 255;
  for (let k = 0; k < n; k++) {
    const x0 = pad + (k % columns) * (W * scale + pad);
    const y0 = pad + Math.floor(k / columns) * (H * scale + pad);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const src = k * size + (y * W + x) * C;
        const rgb = [0, 1, 2].map((c) => {
          const v = data[src + (C === 1 ? 0 : c)];
          return Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
        });
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const q = ((y0 + y * scale + dy) * png.width + (x0 + x * scale + dx)) * 4;
            png.data[q] = rgb[0];
            png.data[q + 1] = rgb[1];
            png.data[q + 2] = rgb[2];
          }
        }
      }
    }
  }
  return PNG.sync.write(png);
}

export function writeImageGridPng(file: string, data: Float32Array, options: ImageGridOptions): void {
  fs.writeFileSync(file, imageGridPng(data, options));
}
