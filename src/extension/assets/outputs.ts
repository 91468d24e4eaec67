import { buildIco } from '../../common/ico';
import { halvedSize, halvings, planResize, scaleRect, type ResizeOptions, type Size } from '../../common/imageGeometry';
import type { RecipeOutput } from '../../common/recipes';
import type { Codecs, EncodeOptions, OutputFormat } from './codecs';
import type { Resizer } from './resize';
import { cutCircle, edgeColour, flatten, halve, hasAlpha, parseHexColour, tile, type Rgba, type RgbaImage } from './rgba';

const white: Rgba = [255, 255, 255, 255];
/** A colour with its alpha made whole. */
const opaque = ([red, green, blue]: Rgba): Rgba => [red, green, blue, 255];

/** One file to make from the source. */
export interface OutputSpec extends ResizeOptions {
  format: OutputFormat | 'ico';
  quality?: number;
  /** WebP: every pixel kept. */
  lossless?: boolean;
  /** The colour behind the image (padding, and under transparency when opaque). */
  background?: Rgba;
  /** With no `background`: pad with the source's edge colour (see {@link edgeColour}), as a maskable icon is. */
  edgeBackground?: boolean;
  /** ICO: the square sizes it holds (16 to 256), e.g. [48, 32, 16]. */
  sizes?: number[];
  /** The output shows the image `tile` times across and down (a seamless texture's preview). */
  tile?: number;
  /** Cut to the inscribed circle: transparent outside, or the background where it is opaque. */
  mask?: 'circle';
}

/** One file made. */
export interface OutputResult extends Size {
  bytes: Uint8Array;
}

/**
 * How each output's resampling starts: `direct` from the original every time; otherwise from the
 * smallest halved copy of the original that still has twice the output's pixels on each axis
 * (the copies are made once, each from the one before), `ladder` halving with Lanczos3 and `box`
 * with a 2x2 average, as libvips (sharp) shrinks before its Lanczos3 step. The last step is
 * always Lanczos3.
 */
export type ResizeChain = 'direct' | 'ladder' | 'box';

/**
 * Makes every output from one source, decoded once. Peak memory is the source's RGBA (64 MiB
 * for 4096x4096), its halved copies (a third of that in all), and one output at a time.
 */
export async function runOutputs(
  codecs: Codecs,
  resizer: Resizer,
  source: Uint8Array | RgbaImage,
  outputs: readonly OutputSpec[],
  chain: ResizeChain = 'box',
): Promise<OutputResult[]> {
  const original = source instanceof Uint8Array ? await codecs.decode(source) : source;
  const alpha = hasAlpha(original);
  const levels: Promise<RgbaImage>[] = [Promise.resolve(original)];
  const level = (count: number): Promise<RgbaImage> => {
    for (let index = levels.length; index <= count; index++) {
      levels.push(levels[index - 1]!.then((previous) => (chain === 'box' ? halve(previous, alpha) : resizer.resample(previous, halvedSize(original, index), alpha))));
    }
    return levels[count]!;
  };
  const render = async (options: ResizeOptions, background?: Rgba): Promise<RgbaImage> => {
    const plan = planResize(original, options);
    const count = chain === 'direct' ? 0 : halvings(plan.crop, plan.place);
    const from = await level(count);
    const scaled = count === 0 ? plan : { ...plan, crop: scaleRect(plan.crop, original, from) };
    return resizer.apply(from, scaled, background, alpha);
  };
  let edge: Rgba | undefined;
  const results: OutputResult[] = [];
  // One output at a time: the next starts when the previous one's pixels can go.
  for (const output of outputs) {
    const resolved = output.background === undefined && output.edgeBackground ? { ...output, background: (edge ??= edgeColour(original)) } : output;
    results.push(await runOutput(codecs, resolved, render));
  }
  return results;
}

/** The worker's description of a recipe's output. */
export function outputSpecOf(output: RecipeOutput): OutputSpec {
  const spec: OutputSpec = { width: output.width, height: output.height, fit: output.fit, format: output.format };
  if (output.focal) spec.focal = output.focal;
  if (output.padding !== undefined) spec.padding = output.padding;
  if (output.quality !== undefined) spec.quality = output.quality;
  if (output.lossless) spec.lossless = true;
  if (output.sizes) spec.sizes = output.sizes;
  if (output.tile !== undefined) spec.tile = output.tile;
  if (output.mask) spec.mask = output.mask;
  const background = output.background ? parseHexColour(output.background) : undefined;
  if (background) spec.background = background;
  // A maskable icon is shown whole to the mask: padding left see-through would show the launcher's colour, so it continues the source's edge.
  else if (output.purpose === 'maskable') spec.edgeBackground = true;
  return spec;
}

type Render = (options: ResizeOptions, background?: Rgba) => Promise<RgbaImage>;

/**
 * Cuts a rendered output to its mask: transparent outside, or the background where the recipe
 * named an opaque one (or the format has no alpha); the colour a maskable icon's padding took
 * from its edge does not fill it back in.
 */
function shaped(image: RgbaImage, output: OutputSpec, background: Rgba | undefined): RgbaImage {
  if (output.mask !== 'circle') return image;
  cutCircle(image);
  return background && background[3] === 255 && (output.format === 'jpeg' || !output.edgeBackground) ? flatten(image, background) : image;
}

async function runOutput(codecs: Codecs, output: OutputSpec, render: Render): Promise<OutputResult> {
  if (output.format === 'ico') {
    const sizes = output.sizes ?? [48, 32, 16];
    const pngs: Uint8Array[] = [];
    for (const size of sizes) {
      const image = shaped(await render({ ...output, width: size, height: size }, output.background), output, output.background);
      pngs.push(await codecs.encode(image, { format: 'png' }));
    }
    const largest = Math.max(...sizes);
    return { width: largest, height: largest, bytes: buildIco(pngs) };
  }
  const count = Math.max(1, Math.floor(output.tile ?? 1));
  const cell = { ...output, width: Math.round(output.width / count), height: Math.round(output.height / count) };
  // JPEG has no alpha: a transparent source is laid on white (not left to turn black), unless the
  // recipe names a colour, which is then taken as opaque (a see-through one would not be flattened).
  const background = output.format === 'jpeg' ? (output.background ? opaque(output.background) : white) : output.background;
  let image = shaped(await render(cell, background), output, background);
  if (count > 1) image = tile(image, count);
  const options: EncodeOptions = { format: output.format, ...(output.format === 'png' ? { opaqueAsRgb: true } : {}) };
  if (output.quality !== undefined) options.quality = output.quality;
  if (output.lossless) options.lossless = true;
  return { width: image.width, height: image.height, bytes: await codecs.encode(image, options) };
}
