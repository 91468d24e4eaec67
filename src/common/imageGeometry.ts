/**
 * The geometry of resizing: which part of a source an output shows and where it lands. Pure
 * arithmetic on sizes, so that the pixel work (in the host's asset worker) only follows a plan.
 */

/** A width and a height in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** A rectangle in pixels, `x`/`y` its top-left corner. */
export interface Rect extends Size {
  x: number;
  y: number;
}

/** A point as fractions of the width and height: `{ x: 0.5, y: 0.5 }` is the centre. */
export interface FocalPoint {
  x: number;
  y: number;
}

/**
 * How an output takes its source: `cover` fills it and crops what sticks out (around the focal
 * point), `contain` shows all of it and pads the rest with the background, `fill` stretches it.
 */
export type Fit = 'cover' | 'contain' | 'fill';

export const centre: FocalPoint = { x: 0.5, y: 0.5 };

/**
 * The radius of a maskable icon's safe zone, as a fraction of its width: the platform may cut the
 * icon down to this circle (W3C Web App Manifest, "icon masks").
 */
export const maskableSafeRadius = 0.4;

/**
 * The fraction of each side a maskable icon leaves to its padding so that a square source, corners
 * and all, stays inside the safe circle: its half-diagonal `(0.5 - p) * sqrt(2)` is at most 0.4,
 * so `p >= 0.5 - 0.4 / sqrt(2)` (0.2172), with room for rounding to whole pixels down to 48 px.
 */
export const maskablePadding = 0.225;

/**
 * The least padding a recipe may give a maskable icon: its central 80%, the largest square whose
 * inscribed circle is the safe zone (a round subject fits; a square one's corners are cut).
 */
export const maskableMinimumPadding = 0.1;

/**
 * The padding of an Android adaptive icon's foreground layer: of its 108 dp the launcher shows the
 * middle 72 dp, cut to a shape (circle, squircle, rounded square) that always holds the 66 dp
 * circle in the middle (the safe zone). The source fills those 72 dp, 18 dp from each side, so
 * that every shape shows the source alone (the padding only shows when the launcher moves the
 * layer), cut as the round legacy icon is; a centred subject within 92 % of the source's
 * inscribed circle lies in the safe zone.
 */
export const adaptiveIconPadding = 18 / 108;

const clamp = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);

/**
 * The largest rectangle of the target's aspect ratio inside the source, centred on the focal
 * point as far as the source's edges allow. Whole pixels; never empty.
 */
export function coverCrop(source: Size, target: Size, focal: FocalPoint = centre): Rect {
  const scale = Math.max(target.width / source.width, target.height / source.height);
  const width = clamp(Math.round(target.width / scale), 1, source.width);
  const height = clamp(Math.round(target.height / scale), 1, source.height);
  const x = clamp(Math.round(focal.x * source.width - width / 2), 0, source.width - width);
  const y = clamp(Math.round(focal.y * source.height - height / 2), 0, source.height - height);
  return { x, y, width, height };
}

/**
 * Where the whole source lands inside the target when it is contained: as large as fits inside
 * the target less `padding` (a fraction of each side), centred. Whole pixels; never empty.
 */
export function containBox(source: Size, target: Size, padding = 0): Rect {
  const innerWidth = target.width * (1 - 2 * padding);
  const innerHeight = target.height * (1 - 2 * padding);
  const scale = Math.min(innerWidth / source.width, innerHeight / source.height);
  const width = clamp(Math.round(source.width * scale), 1, target.width);
  const height = clamp(Math.round(source.height * scale), 1, target.height);
  return { x: Math.floor((target.width - width) / 2), y: Math.floor((target.height - height) / 2), width, height };
}

/** What one output needs: the part of the source it shows, and where that lands on its canvas. */
export interface ResizePlan {
  /** The part of the source that is resampled. */
  crop: Rect;
  /** The size of the output image. */
  canvas: Size;
  /** Where the resampled crop lands on the canvas (the whole canvas unless padded). */
  place: Rect;
}

/** The options of one resize, as the pipeline and the recipes name them. */
export interface ResizeOptions extends Size {
  fit: Fit;
  focal?: FocalPoint;
  /** A fraction of each side left empty (the background shows there), e.g. `maskablePadding`. */
  padding?: number;
}

/**
 * Plans one resize. `cover` crops around the focal point; `contain` places the whole source
 * inside the canvas; `fill` stretches the whole source. Padding shrinks the area the source is
 * fitted into, for every fit.
 */
export function planResize(source: Size, options: ResizeOptions): ResizePlan {
  const canvas = { width: options.width, height: options.height };
  const padding = options.padding ?? 0;
  const whole = { x: 0, y: 0, width: source.width, height: source.height };
  const inner = containBox(canvas, canvas, padding);
  switch (options.fit) {
    case 'cover':
      return { crop: coverCrop(source, inner, options.focal), canvas, place: inner };
    case 'contain':
      return { crop: whole, canvas, place: containBox(source, canvas, padding) };
    case 'fill':
      return { crop: whole, canvas, place: inner };
  }
}

/** Whether a plan leaves part of the canvas to the background. */
export function isPadded(plan: ResizePlan): boolean {
  return plan.place.width !== plan.canvas.width || plan.place.height !== plan.canvas.height;
}

/**
 * How many times to halve the source before resampling a crop to `target`, so that the last
 * resampling still starts from at least `margin` times the target's pixels on each axis (a
 * Lanczos3 step from there keeps the detail of one from the original, at a fraction of the cost).
 */
export function halvings(crop: Size, target: Size, margin = 2): number {
  let count = 0;
  while (crop.width / 2 ** (count + 1) >= margin * target.width && crop.height / 2 ** (count + 1) >= margin * target.height) count++;
  return count;
}

/** The size of the source after `count` halvings (each rounds half up, as the pipeline does). */
export function halvedSize(source: Size, count: number): Size {
  let { width, height } = source;
  for (let index = 0; index < count; index++) {
    width = Math.max(1, Math.round(width / 2));
    height = Math.max(1, Math.round(height / 2));
  }
  return { width, height };
}

/** A rectangle of the source in the coordinates of a smaller copy of it (whole pixels, inside). */
export function scaleRect(rect: Rect, from: Size, to: Size): Rect {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const x = clamp(Math.round(rect.x * sx), 0, to.width - 1);
  const y = clamp(Math.round(rect.y * sy), 0, to.height - 1);
  return {
    x,
    y,
    width: clamp(Math.round(rect.width * sx), 1, to.width - x),
    height: clamp(Math.round(rect.height * sy), 1, to.height - y),
  };
}

/** What a `cover` output cuts from a source of another shape. */
export interface CoverCut {
  /** The output's size. */
  target: Size;
  /** The part of the source it keeps. */
  crop: Size;
  /** The fraction of the source's area cut off, 0 to 1. */
  cut: number;
}

/**
 * Of the outputs that crop (`cover`), the one that cuts the most from a source whose aspect
 * ratio differs from the output's by more than `tolerance` (10 %): a 2000x500 logo made into a
 * square favicon keeps its middle 500x500. `undefined` when every output keeps the source's shape
 * closely enough, or shows it whole.
 */
export function worstCoverCut(source: Size, outputs: readonly ResizeOptions[], tolerance = 0.1): CoverCut | undefined {
  let worst: CoverCut | undefined;
  for (const output of outputs) {
    if (output.fit !== 'cover') continue;
    const plan = planResize(source, output);
    const ratio = source.width / source.height / (plan.place.width / plan.place.height);
    if (Math.max(ratio, 1 / ratio) - 1 <= tolerance) continue;
    const cut = 1 - (plan.crop.width * plan.crop.height) / (source.width * source.height);
    if (!worst || cut > worst.cut) worst = { target: { width: output.width, height: output.height }, crop: { width: plan.crop.width, height: plan.crop.height }, cut };
  }
  return worst;
}
