/** Image comparison for tests and benchmarks: PSNR over RGB, and SSIM on luma. */

export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Buffer;
}

function sameSize(a: Pixels, b: Pixels): void {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`Sizes differ: ${a.width}x${a.height} and ${b.width}x${b.height}`);
}

/** Peak signal-to-noise ratio over the R, G and B channels, in dB (Infinity when identical). */
export function psnr(a: Pixels, b: Pixels): number {
  sameSize(a, b);
  let sum = 0;
  const count = a.width * a.height;
  for (let index = 0; index < count * 4; index += 4) {
    for (let channel = 0; channel < 3; channel++) {
      const difference = a.data[index + channel]! - b.data[index + channel]!;
      sum += difference * difference;
    }
  }
  const mse = sum / (count * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function luma(image: Pixels): Float64Array {
  const values = new Float64Array(image.width * image.height);
  for (let pixel = 0; pixel < values.length; pixel++) {
    const at = pixel * 4;
    values[pixel] = 0.299 * image.data[at]! + 0.587 * image.data[at + 1]! + 0.114 * image.data[at + 2]!;
  }
  return values;
}

/**
 * Mean structural similarity of the luma, over 8x8 windows every 4 pixels (the whole image when
 * it is smaller), with the usual constants for 8-bit values.
 */
export function ssim(a: Pixels, b: Pixels): number {
  sameSize(a, b);
  const x = luma(a);
  const y = luma(b);
  const size = Math.min(8, a.width, a.height);
  const step = Math.max(1, size >> 1);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  let windows = 0;
  for (let top = 0; top + size <= a.height; top += step) {
    for (let left = 0; left + size <= a.width; left += step) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let row = top; row < top + size; row++) {
        for (let column = left; column < left + size; column++) {
          const p = x[row * a.width + column]!;
          const q = y[row * a.width + column]!;
          sx += p; sy += q; sxx += p * p; syy += q * q; sxy += p * q;
        }
      }
      const n = size * size;
      const mx = sx / n, my = sy / n;
      const vx = sxx / n - mx * mx, vy = syy / n - my * my, cov = sxy / n - mx * my;
      total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      windows++;
    }
  }
  return total / windows;
}

/** A test picture with smooth areas, edges and fine detail, deterministic (RGBA, opaque). */
export function testPicture(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width, v = y / height;
      const at = (y * width + x) * 4;
      const ring = Math.hypot(u - 0.5, v - 0.5);
      data[at] = Math.round(255 * u);
      data[at + 1] = Math.round(127.5 + 127.5 * Math.sin(ring * 40));
      data[at + 2] = (u > 0.25 && u < 0.75 && v > 0.25 && v < 0.75) ? 220 : Math.round(255 * v * 0.6);
      data[at + 3] = 255;
    }
  }
  return data;
}
