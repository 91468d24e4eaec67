/*
 * The simulator's own statement of the service's rules, written from the API contract
 * (EvoLink's API documentation and the vendor's published pages), independently of the extension's model
 * table: if the two disagree, a test against the simulator fails.
 */

/** An image format the service can read, by its bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp' | 'tiff';

/** Sizes a model takes. */
export type SizeRule =
  | { kind: 'enum'; values: Record<string, [number, number]> }
  | {
      kind: 'pixels';
      /** Named sizes: the long side of the square, the wide and the tall image the prompt asks for. */
      named: Record<string, { square: [number, number]; wide: [number, number]; tall: [number, number] }>;
      minPixels: number;
      maxPixels: number;
      minRatio: number;
      maxRatio: number;
    };

/** Everything the service checks for one model. */
export interface ModelRules {
  size: SizeRule;
  /** The size used when the request names none. */
  defaultSize: string;
  /** Allowed `n`: a list, or a range. */
  n: { values: number[] } | { min: number; max: number };
  quality?: readonly string[];
  references: {
    /** Smallest count when `image_urls` is given at all. */
    min: number;
    max: number;
    maxBytes: number;
    formats: readonly ImageFormat[];
    /** Each side must be larger than this. */
    minSideExclusive?: number;
    maxPixels?: number;
    ratio?: [number, number];
  };
  mask?: { maxBytes: number };
  promptPriority?: readonly string[];
  callbackUrl: boolean;
  /** Credits per produced image. */
  price: number;
  /** What `task_info.estimated_time` says, in seconds. */
  estimatedSeconds: number;
  /** The format of the result files this simulator produces for the model. */
  resultFormat: 'png' | 'jpeg' | 'webp';
  /** Whether `n` is an upper bound that the prompt decides within (Seedream). */
  nIsUpperBound: boolean;
  /** References plus outputs may not exceed this. */
  maxReferencesPlusOutputs?: number;
}

/** The vendor's limits in megabytes, read as a million bytes each (the extension reads them so too). */
const MB = 1_000_000;

const gptSizes: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [1024, 1536],
  '3:2': [1536, 1024],
  '1024x1024': [1024, 1024],
  '1024x1536': [1024, 1536],
  '1536x1024': [1536, 1024],
};

/** The three models of the contract. */
export const modelRules: Record<string, ModelRules> = {
  'gpt-4o-image': {
    size: { kind: 'enum', values: gptSizes },
    defaultSize: '1:1',
    n: { values: [1, 2, 4] },
    references: { min: 1, max: 5, maxBytes: 10 * MB, formats: ['jpeg', 'png', 'webp'] },
    mask: { maxBytes: 4 * MB },
    callbackUrl: true,
    price: 2.5,
    estimatedSeconds: 100,
    resultFormat: 'png',
    nIsUpperBound: false,
  },
  'gpt-image-1.5-lite': {
    size: { kind: 'enum', values: gptSizes },
    defaultSize: '1:1',
    n: { values: [1] },
    quality: ['low', 'medium', 'high', 'auto'],
    references: { min: 1, max: 16, maxBytes: 50 * MB, formats: ['jpeg', 'png', 'webp'] },
    callbackUrl: false,
    price: 2.5,
    estimatedSeconds: 100,
    resultFormat: 'webp',
    nIsUpperBound: false,
  },
  'doubao-seedream-4.5': {
    size: {
      kind: 'pixels',
      named: {
        '2K': { square: [2048, 2048], wide: [2560, 1440], tall: [1440, 2560] },
        '4K': { square: [4096, 4096], wide: [4096, 2304], tall: [2304, 4096] },
      },
      minPixels: 2560 * 1440,
      maxPixels: 4096 * 4096,
      minRatio: 1 / 16,
      maxRatio: 16,
    },
    defaultSize: '2048x2048',
    n: { min: 1, max: 15 },
    promptPriority: ['standard'],
    references: {
      min: 1,
      max: 14,
      maxBytes: 10 * MB,
      formats: ['jpeg', 'png', 'webp', 'bmp', 'tiff', 'gif'],
      minSideExclusive: 14,
      maxPixels: 6000 * 6000,
      ratio: [1 / 16, 16],
    },
    callbackUrl: true,
    price: 1.8,
    estimatedSeconds: 45,
    resultFormat: 'jpeg',
    nIsUpperBound: true,
    maxReferencesPlusOutputs: 15,
  },
};

/** The longest prompt, in characters (the documented `maxLength`). */
export const maxPromptLength = 2000;
/** The longest callback URL. */
export const maxCallbackUrlLength = 2048;
/** Uploads: what the files API takes. */
export const uploadRules = {
  maxBytes: 100 * MB,
  /** "Currently supports uploading files in: image/jpeg, image/png, image/gif, image/webp formats only" (each upload page). */
  formats: ['jpeg', 'png', 'gif', 'webp'] as readonly ImageFormat[],
  maxFilesPerAccount: 100,
  lifetimeMs: 72 * 3600 * 1000,
};
/** Result links stay valid this long. */
export const resultLifetimeMs = 24 * 3600 * 1000;
/** The task error codes the service documents. */
export const taskErrorCodes = [
  'content_policy_violation',
  'invalid_parameters',
  'image_processing_error',
  'image_dimension_mismatch',
  'request_cancelled',
  'generation_failed_no_content',
  'service_error',
  'generation_timeout',
  'resource_exhausted',
  'quota_exceeded',
  'service_unavailable',
  'resource_not_found',
  'unknown_error',
] as const;
/** One of {@link taskErrorCodes}. */
export type TaskErrorCode = (typeof taskErrorCodes)[number];
