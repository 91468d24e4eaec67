import type { Rect, Size } from '../../common/imageGeometry';

/** A decoded image: 8-bit RGBA, rows top to bottom, not premultiplied. */
export interface RgbaImage extends Size {
  data: Uint8Array;
}

/** An RGBA colour, each channel 0-255. */
export type Rgba = readonly [number, number, number, number];

export const transparent: Rgba = [0, 0, 0, 0];

/** Makes an image of the given size, filled with one colour. */
export function blank(size: Size, colour: Rgba = transparent): RgbaImage {
  const data = new Uint8Array(size.width * size.height * 4);
  if (colour.some((channel) => channel !== 0)) new Uint32Array(data.buffer).fill(packed(colour));
  return { width: size.width, height: size.height, data };
}

/** The colour as one little-endian 32-bit word, the way RGBA bytes read as a Uint32Array. */
function packed([r, g, b, a]: Rgba): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Whether any pixel is less than opaque. */
export function hasAlpha(image: RgbaImage): boolean {
  const { data } = image;
  for (let index = 3; index < data.length; index += 4) {
    if (data[index] !== 255) return true;
  }
  return false;
}

/**
 * One rectangle of the image: the image itself when the rectangle covers it, a view of its rows
 * when it spans the whole width (no copy: a cover crop of a tall source), else a copy.
 */
export function crop(image: RgbaImage, rect: Rect): RgbaImage {
  if (rect.x === 0 && rect.y === 0 && rect.width === image.width && rect.height === image.height) return image;
  if (rect.x === 0 && rect.width === image.width) {
    return { width: rect.width, height: rect.height, data: image.data.subarray(rect.y * image.width * 4, (rect.y + rect.height) * image.width * 4) };
  }
  const data = new Uint8Array(rect.width * rect.height * 4);
  for (let row = 0; row < rect.height; row++) {
    const from = ((rect.y + row) * image.width + rect.x) * 4;
    data.set(image.data.subarray(from, from + rect.width * 4), row * rect.width * 4);
  }
  return { width: rect.width, height: rect.height, data };
}

/**
 * The image turned upright by its EXIF orientation (1 to 8): flipped and turned as a viewer shows
 * it, so that what is cut, scaled or sent is what the person saw. 5 to 8 swap width and height.
 */
export function orient(image: RgbaImage, orientation: number): RgbaImage {
  if (orientation < 2 || orientation > 8) return image;
  const { width: w, height: h } = image;
  const turned = orientation >= 5;
  const width = turned ? h : w;
  const height = turned ? w : h;
  const source = new Uint32Array(image.data.buffer, image.data.byteOffset, w * h);
  const data = new Uint8Array(width * height * 4);
  const target = new Uint32Array(data.buffer);
  // Where each pixel seen at (x, y) is stored.
  const from: (x: number, y: number) => number = [
    (x: number, y: number) => y * w + (w - 1 - x),
    (x: number, y: number) => (h - 1 - y) * w + (w - 1 - x),
    (x: number, y: number) => (h - 1 - y) * w + x,
    (x: number, y: number) => x * w + y,
    (x: number, y: number) => (h - 1 - x) * w + y,
    (x: number, y: number) => (h - 1 - x) * w + (w - 1 - y),
    (x: number, y: number) => x * w + (w - 1 - y),
  ][orientation - 2]!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) target[y * width + x] = source[from(x, y)]!;
  }
  return { width, height, data };
}

/** Copies `image` onto `canvas` at `at` (no blending: the pixels are replaced). */
export function paste(canvas: RgbaImage, image: RgbaImage, at: { x: number; y: number }): void {
  for (let row = 0; row < image.height; row++) {
    const from = row * image.width * 4;
    canvas.data.set(image.data.subarray(from, from + image.width * 4), ((at.y + row) * canvas.width + at.x) * 4);
  }
}

/** Composites the image over an opaque colour, in place: the result has no transparency. */
export function flatten(image: RgbaImage, [r, g, b]: Rgba): RgbaImage {
  const { data } = image;
  for (let index = 0; index < data.length; index += 4) {
    const alpha = data[index + 3]!;
    if (alpha === 255) continue;
    const rest = 255 - alpha;
    data[index] = Math.round((data[index]! * alpha + r * rest) / 255);
    data[index + 1] = Math.round((data[index + 1]! * alpha + g * rest) / 255);
    data[index + 2] = Math.round((data[index + 2]! * alpha + b * rest) / 255);
    data[index + 3] = 255;
  }
  return image;
}

/**
 * Cuts the image to the circle inscribed in it, in place: outside it transparent, its rim
 * anti-aliased by how far each pixel's centre lies inside (a round launcher icon).
 */
export function cutCircle(image: RgbaImage): RgbaImage {
  const { width, height, data } = image;
  const radius = Math.min(width, height) / 2;
  const [cx, cy] = [width / 2, height / 2];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const coverage = Math.min(1, Math.max(0, radius - Math.hypot(x + 0.5 - cx, y + 0.5 - cy) + 0.5));
      if (coverage < 1) data[(y * width + x) * 4 + 3] = Math.round(data[(y * width + x) * 4 + 3]! * coverage);
    }
  }
  return image;
}

/** The image repeated `count` times across and down, for previewing a seamless texture. */
export function tile(image: RgbaImage, count: number): RgbaImage {
  const canvas = blank({ width: image.width * count, height: image.height * count });
  for (let y = 0; y < count; y++) {
    for (let x = 0; x < count; x++) paste(canvas, image, { x: x * image.width, y: y * image.height });
  }
  return canvas;
}

/**
 * The colour of the image's edge, to pad it with so that the padding continues it: the mean of its
 * border pixels, their colours weighted by alpha, made opaque. White when the border is (nearly)
 * all transparent (a cut-out logo), as icon tools pad such icons.
 */
export function edgeColour(image: RgbaImage): Rgba {
  const { width, height, data } = image;
  const sums = [0, 0, 0];
  let weight = 0;
  let count = 0;
  const add = (x: number, y: number): void => {
    const at = (y * width + x) * 4;
    const alpha = data[at + 3]!;
    for (let channel = 0; channel < 3; channel++) sums[channel]! += data[at + channel]! * alpha;
    weight += alpha;
    count++;
  };
  for (let x = 0; x < width; x++) {
    add(x, 0);
    if (height > 1) add(x, height - 1);
  }
  for (let y = 1; y < height - 1; y++) {
    add(0, y);
    if (width > 1) add(width - 1, y);
  }
  // Less than a tenth of the border's coverage: the edge has no colour of its own to continue.
  if (weight < count * 25.5) return [255, 255, 255, 255];
  return [Math.round(sums[0]! / weight), Math.round(sums[1]! / weight), Math.round(sums[2]! / weight), 255];
}

/**
 * Parses a CSS hex colour (`#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`); undefined when it is not one.
 */
export function parseHexColour(text: string): Rgba | undefined {
  const match = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(text);
  if (!match) return undefined;
  let hex = match[1]!;
  if (hex.length <= 4) hex = [...hex].map((digit) => digit + digit).join('');
  if (hex.length === 6) hex += 'ff';
  const channel = (index: number): number => parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return [channel(0), channel(1), channel(2), channel(3)];
}

/**
 * Halves the image by averaging each 2x2 block (an odd last row or column repeats its edge), as
 * libvips shrinks before its Lanczos3 step. With `alpha`, colours are weighted by their alpha so
 * that transparent pixels add none of their colour.
 */
export function halve(image: RgbaImage, alpha: boolean): RgbaImage {
  const width = Math.max(1, Math.round(image.width / 2));
  const height = Math.max(1, Math.round(image.height / 2));
  const source = image.data;
  const data = new Uint8Array(width * height * 4);
  const rowBytes = image.width * 4;
  for (let y = 0; y < height; y++) {
    const top = 2 * y * rowBytes;
    const bottom = Math.min(2 * y + 1, image.height - 1) * rowBytes;
    for (let x = 0; x < width; x++) {
      const left = 8 * x;
      const right = Math.min(2 * x + 1, image.width - 1) * 4;
      const corners = [top + left, top + right, bottom + left, bottom + right];
      const at = (y * width + x) * 4;
      if (!alpha) {
        for (let channel = 0; channel < 4; channel++) {
          data[at + channel] = (source[corners[0]! + channel]! + source[corners[1]! + channel]! + source[corners[2]! + channel]! + source[corners[3]! + channel]! + 2) >> 2;
        }
        continue;
      }
      const weights = corners.map((corner) => source[corner + 3]!);
      const total = weights[0]! + weights[1]! + weights[2]! + weights[3]!;
      data[at + 3] = (total + 2) >> 2;
      if (total === 0) continue;
      for (let channel = 0; channel < 3; channel++) {
        let sum = 0;
        for (let corner = 0; corner < 4; corner++) sum += source[corners[corner]! + channel]! * weights[corner]!;
        data[at + channel] = Math.round(sum / total);
      }
    }
  }
  return { width, height, data };
}
