import { megabyte } from './limits';

/**
 * The model table: every model the extension offers, with every parameter and limit of the API
 * contract, as data. Validation, the quick pick, the Studio's options and the cost estimate are
 * all derived from it, so adding a model is adding an entry here.
 */

/** An image format, as read from a file's bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp' | 'tiff' | 'avif' | 'heic';

/**
 * What EvoLink's files API stores ("image/jpeg, image/png, image/gif, image/webp formats only",
 * on each of its upload pages). A reference in another format that a model takes by URL (BMP and
 * TIFF for Seedream) is uploaded as a PNG of the same pixels.
 */
export const uploadFormats: readonly ImageFormat[] = ['jpeg', 'png', 'gif', 'webp'];

/** One size a model offers as a choice. */
export interface SizeOption {
  /** What is sent as `size`. */
  value: string;
  /**
   * The pixel size it produces; absent for a named size whose shape the model picks from the
   * prompt (Seedream's `2K` and `4K`: "describe the aspect ratio, shape or purpose in the prompt").
   */
  width?: number;
  height?: number;
}

/** The sizes a model takes. */
/** A width and a height in pixels. */
export interface Dimensions {
  width: number;
  height: number;
}

/** A size as the service writes it: `2560x1440`. */
export function sizeLabel(size: Dimensions): string {
  return `${size.width}x${size.height}`;
}

/** The pixels of a size, in all. */
export function area(size: Dimensions): number {
  return size.width * size.height;
}

export type SizeSpec =
  | { kind: 'choices'; options: readonly SizeOption[]; default: string }
  | {
      kind: 'pixels';
      /** Named sizes (`2K`, `4K`) and common presets, offered as choices. */
      options: readonly SizeOption[];
      default: string;
      /** The fewest pixels in all, as the size the service names for it. */
      minPixels: Dimensions;
      /** The most pixels in all, as the size the service names for it. */
      maxPixels: Dimensions;
      /** Width / height must lie between 1:maxRatio and maxRatio:1. */
      maxRatio: number;
    };

/** How many images a request may ask for. */
export type CountSpec =
  | { kind: 'choices'; values: readonly number[]; default: number }
  /** Any integer in a range; with `upperBound`, the prompt decides how many within it. */
  | { kind: 'range'; min: number; max: number; default: number; upperBound: boolean };

/** Limits on reference images. */
export interface ReferenceSpec {
  /** The fewest when any are given. */
  min: number;
  max: number;
  maxBytes: number;
  formats: readonly ImageFormat[];
  /** Width and height must each be greater than this. */
  minSideExclusive?: number;
  /** The most pixels in all, as the size the service names for it. */
  maxPixels?: Dimensions;
  /** Width / height must lie between 1:maxRatio and maxRatio:1. */
  maxRatio?: number;
  /** References plus produced images may not exceed this. */
  maxWithOutputs?: number;
}

/** One model of the table. */
export interface ModelSpec {
  id: string;
  /** A short name for pickers. */
  label: string;
  promptMaxLength: number;
  size: SizeSpec;
  count: CountSpec;
  quality?: { values: readonly string[]; default: string };
  promptPriority?: { values: readonly string[]; default: string };
  references: ReferenceSpec;
  /**
   * Present when the model takes a mask; it must be a PNG of the one reference's size, and the
   * reference it goes with must be of `referenceFormat` (the vendor's pages: both PNG).
   */
  mask?: { maxBytes: number; referenceFormat: ImageFormat };
  /** Credits per produced image; a request reserves `perImage * n`. */
  creditsPerImage: number;
  /** What the service estimates for one task, in seconds. */
  estimatedSeconds: number;
}

const MB = megabyte;

const gptSizes: readonly SizeOption[] = [
  { value: '1:1', width: 1024, height: 1024 },
  { value: '2:3', width: 1024, height: 1536 },
  { value: '3:2', width: 1536, height: 1024 },
  { value: '1024x1024', width: 1024, height: 1024 },
  { value: '1024x1536', width: 1024, height: 1536 },
  { value: '1536x1024', width: 1536, height: 1024 },
];

/** The models of the contract, in the order they are offered. */
export const models: readonly ModelSpec[] = [
  {
    id: 'gpt-4o-image',
    label: 'GPT-4o Image',
    promptMaxLength: 2000,
    size: { kind: 'choices', options: gptSizes, default: '1:1' },
    count: { kind: 'choices', values: [1, 2, 4], default: 1 },
    references: { min: 1, max: 5, maxBytes: 10 * MB, formats: ['jpeg', 'png', 'webp'] },
    mask: { maxBytes: 4 * MB, referenceFormat: 'png' },
    creditsPerImage: 2.5,
    estimatedSeconds: 100,
  },
  {
    id: 'gpt-image-1.5-lite',
    label: 'GPT Image 1.5 Lite',
    promptMaxLength: 2000,
    size: { kind: 'choices', options: gptSizes, default: '1:1' },
    count: { kind: 'choices', values: [1], default: 1 },
    quality: { values: ['low', 'medium', 'high', 'auto'], default: 'auto' },
    references: { min: 1, max: 16, maxBytes: 50 * MB, formats: ['jpeg', 'png', 'webp'] },
    creditsPerImage: 2.5,
    estimatedSeconds: 100,
  },
  {
    id: 'doubao-seedream-4.5',
    label: 'Seedream 4.5',
    promptMaxLength: 2000,
    size: {
      kind: 'pixels',
      options: [
        { value: '2K' },
        { value: '4K' },
        { value: '2048x2048', width: 2048, height: 2048 },
        { value: '2560x1440', width: 2560, height: 1440 },
        { value: '1440x2560', width: 1440, height: 2560 },
        { value: '2304x1728', width: 2304, height: 1728 },
        { value: '1728x2304', width: 1728, height: 2304 },
        { value: '4096x4096', width: 4096, height: 4096 },
      ],
      default: '2048x2048',
      minPixels: { width: 2560, height: 1440 },
      maxPixels: { width: 4096, height: 4096 },
      maxRatio: 16,
    },
    count: { kind: 'range', min: 1, max: 15, default: 1, upperBound: true },
    promptPriority: { values: ['standard'], default: 'standard' },
    references: {
      min: 1,
      max: 14,
      maxBytes: 10 * MB,
      formats: ['jpeg', 'png', 'webp', 'bmp', 'tiff', 'gif'],
      minSideExclusive: 14,
      maxPixels: { width: 6000, height: 6000 },
      maxRatio: 16,
      maxWithOutputs: 15,
    },
    creditsPerImage: 1.8,
    estimatedSeconds: 45,
  },
];

/** Finds a model by id. */
export function findModel(id: string): ModelSpec | undefined {
  return models.find((model) => model.id === id);
}
