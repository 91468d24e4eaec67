import {
  maxCallbackUrlLength,
  maxPromptLength,
  modelRules,
  type ImageFormat,
  type ModelRules,
} from './rules';

/** An image the simulator holds (an upload or a result), with what the service would read of it. */
export interface KnownImage {
  bytes: Uint8Array;
  format: ImageFormat | undefined;
  width: number;
  height: number;
}

const formatsByExtension: Record<string, ImageFormat> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', jfif: 'jpeg', webp: 'webp', gif: 'gif', bmp: 'bmp', tif: 'tiff', tiff: 'tiff' };

/** The image format a URL's path names by its extension, if it names one. */
function formatByName(url: string): ImageFormat | undefined {
  try {
    const extension = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    return extension ? formatsByExtension[extension] : undefined;
  } catch {
    return undefined;
  }
}

/** Finds an image by its URL, when the URL is one of the simulator's own. */
export type ImageLookup = (url: string) => KnownImage | undefined;

/** A submit body that passed every check. */
export interface ValidRequest {
  model: string;
  rules: ModelRules;
  prompt: string;
  sizeLabel: string;
  width: number;
  height: number;
  n: number;
  quality?: string;
  imageUrls: string[];
  maskUrl?: string;
  promptPriority?: string;
  callbackUrl?: string;
}

/** A refusal, answered with the documented error body: HTTP 400, or 404 for a model the service does not know. */
export interface Refusal {
  status: 400 | 404;
  code: number | string;
  message: string;
  param: string;
}

/** The outcome of {@link validateSubmit}. */
export type Validation = { ok: true; request: ValidRequest } | { ok: false; refusal: Refusal };

const refuse = (param: string, message: string, status: 400 | 404 = 400): Validation => ({
  ok: false,
  refusal: { status, code: status, message, param },
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for addresses a callback may not go to (loopback, private ranges, link-local). */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80')) {
    return true;
  }
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) {
    return false;
  }
  const [a, b] = parts as [number, number, number, number];
  return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** The shape a prompt describes, as the model reads it for a named size (2K, 4K): a rough reading of its words. */
function shapeOf(prompt: string): 'square' | 'wide' | 'tall' {
  if (/\b(16:9|3:2|wide|landscape|banner|panorama|hero|cover|header|og)\b/i.test(prompt)) return 'wide';
  if (/\b(9:16|2:3|tall|portrait|vertical|poster|story|wallpaper)\b/i.test(prompt)) return 'tall';
  return 'square';
}

/** Parses a size for a model; answers the pixel dimensions or why not. A named size takes its shape from the prompt. */
export function resolveSize(rules: ModelRules, size: string, prompt = ''): [number, number] | string {
  const rule = rules.size;
  if (rule.kind === 'enum') {
    const dims = rule.values[size];
    return dims ?? `size must be one of ${Object.keys(rule.values).join(', ')}`;
  }
  const named = rule.named[size];
  if (named) {
    return named[shapeOf(prompt)];
  }
  // Written as the docs write it (`2560x1440`): a number with a leading zero is no size.
  const match = /^([1-9]\d{0,4})x([1-9]\d{0,4})$/.exec(size);
  if (!match) {
    return `size must be ${Object.keys(rule.named).join(' or ')}, or WIDTHxHEIGHT in pixels`;
  }
  const width = Number(match[1]);
  const height = Number(match[2]);
  const pixels = width * height;
  if (pixels < rule.minPixels || pixels > rule.maxPixels) {
    return `size ${size} has ${pixels} pixels; the total must be between ${rule.minPixels} (2560x1440) and ${rule.maxPixels} (4096x4096)`;
  }
  const ratio = width / height;
  if (ratio < rule.minRatio || ratio > rule.maxRatio) {
    return `size ${size} has an aspect ratio outside [1/16, 16]`;
  }
  return [width, height];
}

function checkReference(rules: ModelRules, url: string, index: number, image: KnownImage | undefined): string | undefined {
  const where = `image_urls[${index}]`;
  const refs = rules.references;
  if (!image) {
    // A URL elsewhere is fetched when the task runs; what its name says of its format is checked now.
    const format = formatByName(url);
    return format && !refs.formats.includes(format) ? `${where}: unsupported image format (${format}); supported: ${refs.formats.join(', ')}` : undefined;
  }
  if (!image.format || !refs.formats.includes(image.format)) {
    return `${where}: unsupported image format${image.format ? ` (${image.format})` : ''}; supported: ${refs.formats.join(', ')}`;
  }
  if (image.bytes.length > refs.maxBytes) {
    return `${where}: image is ${image.bytes.length} bytes; the limit is ${refs.maxBytes / (1024 * 1024)}MB`;
  }
  if (refs.minSideExclusive !== undefined && (image.width <= refs.minSideExclusive || image.height <= refs.minSideExclusive)) {
    return `${where}: width and height must be greater than ${refs.minSideExclusive}px (got ${image.width}x${image.height})`;
  }
  if (refs.maxPixels !== undefined && image.width * image.height > refs.maxPixels) {
    return `${where}: image has ${image.width * image.height} pixels; the limit is 6000x6000`;
  }
  if (refs.ratio) {
    const ratio = image.width / image.height;
    if (ratio < refs.ratio[0] || ratio > refs.ratio[1]) {
      return `${where}: aspect ratio ${image.width}x${image.height} is outside [1/16, 16]`;
    }
  }
  void url;
  return undefined;
}

/** The first problem found in a body; turned into a {@link Refusal} by {@link validateSubmit}. */
class Refused extends Error {
  constructor(
    readonly param: string,
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
  }
}

function fail(param: string, message: string, status: 400 | 404 = 400): never {
  throw new Refused(param, message, status);
}

/**
 * Checks a `POST /v1/images/generations` body against the rules of its model, in the order
 * the service reports them, and answers the first problem with the parameter it concerns.
 */
export function validateSubmit(body: unknown, lookup: ImageLookup): Validation {
  try {
    return { ok: true, request: checkBody(body, lookup) };
  } catch (error) {
    if (error instanceof Refused) return refuse(error.param, error.message, error.status);
    throw error;
  }
}

function checkBody(body: unknown, lookup: ImageLookup): ValidRequest {
  if (!isRecord(body)) {
    fail('body', 'request body must be a JSON object');
  }
  const { model, rules } = checkModel(body);
  const prompt = checkPrompt(body);
  const { sizeLabel, dims } = checkSize(body, rules, prompt);
  const n = checkN(body, rules);
  const quality = checkChoice(body, 'quality', rules.quality, model);
  const imageUrls = checkReferences(body, rules, model, lookup);
  const maskUrl = checkMask(body, rules, model, imageUrls, lookup);
  const promptPriority = checkChoice(body, 'prompt_priority', rules.promptPriority, model);
  const callbackUrl = checkCallback(body, rules, model);
  const request: ValidRequest = { model, rules, prompt, sizeLabel, width: dims[0], height: dims[1], n, imageUrls };
  if (quality !== undefined) request.quality = quality;
  if (maskUrl !== undefined) request.maskUrl = maskUrl;
  if (promptPriority !== undefined) request.promptPriority = promptPriority;
  if (callbackUrl !== undefined) request.callbackUrl = callbackUrl;
  return request;
}

type Body = Record<string, unknown>;

function checkModel(body: Body): { model: string; rules: ModelRules } {
  const model = body.model;
  if (model === undefined || model === null || model === '') {
    fail('model', 'model is required');
  }
  if (typeof model !== 'string') {
    fail('model', 'model must be a string');
  }
  const rules = modelRules[model];
  if (!rules) {
    // The service's table: 404 not_found_error for an unknown task id or model.
    fail('model', `model ${model} is not supported; supported models: ${Object.keys(modelRules).join(', ')}`, 404);
  }
  return { model, rules };
}

function checkPrompt(body: Body): string {
  const prompt = body.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    fail('prompt', 'prompt is required and must be a non-empty string');
  }
  const promptLength = [...prompt].length;
  if (promptLength > maxPromptLength) {
    fail('prompt', `prompt is ${promptLength} characters; the maximum is ${maxPromptLength}`);
  }
  return prompt;
}

function checkSize(body: Body, rules: ModelRules, prompt: string): { sizeLabel: string; dims: [number, number] } {
  let sizeLabel = rules.defaultSize;
  if (body.size !== undefined) {
    if (typeof body.size !== 'string') {
      fail('size', 'size must be a string');
    }
    sizeLabel = body.size;
  }
  const dims = resolveSize(rules, sizeLabel, prompt);
  if (typeof dims === 'string') {
    fail('size', dims);
  }
  return { sizeLabel, dims };
}

function checkN(body: Body, rules: ModelRules): number {
  let n = 1;
  if (body.n !== undefined) {
    if (typeof body.n !== 'number' || !Number.isInteger(body.n)) {
      fail('n', 'n must be an integer');
    }
    n = body.n;
  }
  const nRule = rules.n;
  if ('values' in nRule ? !nRule.values.includes(n) : n < nRule.min || n > nRule.max) {
    fail('n', 'values' in nRule ? `n must be one of ${nRule.values.join(', ')}` : `n must be an integer between ${nRule.min} and ${nRule.max}`);
  }
  return n;
}

/** A parameter that takes one of a few strings, and only for the models that list them. */
function checkChoice(body: Body, param: 'quality' | 'prompt_priority', allowed: readonly string[] | undefined, model: string): string | undefined {
  const value = body[param];
  if (value === undefined) {
    return undefined;
  }
  if (!allowed) {
    fail(param, `${param} is not supported by ${model}`);
  }
  if (typeof value !== 'string' || !allowed.includes(value)) {
    fail(param, `${param} must be one of ${allowed.join(', ')}`);
  }
  return value;
}

function checkReferences(body: Body, rules: ModelRules, model: string, lookup: ImageLookup): string[] {
  if (body.image_urls === undefined) {
    return [];
  }
  if (!Array.isArray(body.image_urls) || body.image_urls.some((url) => typeof url !== 'string')) {
    fail('image_urls', 'image_urls must be an array of URLs');
  }
  const imageUrls = body.image_urls as string[];
  const refs = rules.references;
  if (imageUrls.length < refs.min || imageUrls.length > refs.max) {
    fail('image_urls', `image_urls must hold between ${refs.min} and ${refs.max} URLs for ${model} (got ${imageUrls.length})`);
  }
  for (const [index, url] of imageUrls.entries()) {
    if (/^data:/i.test(url)) {
      fail('image_urls', `image_urls[${index}]: base64 and data: URLs are not supported; upload the file and pass its URL`);
    }
    if (!/^https?:\/\/[^\s]+$/i.test(url)) {
      fail('image_urls', `image_urls[${index}] is not a valid URL`);
    }
    const problem = checkReference(rules, url, index, lookup(url));
    if (problem) {
      fail('image_urls', problem);
    }
  }
  return imageUrls;
}

function checkMask(body: Body, rules: ModelRules, model: string, imageUrls: string[], lookup: ImageLookup): string | undefined {
  if (body.mask_url === undefined) {
    return undefined;
  }
  if (!rules.mask) {
    fail('mask_url', `mask_url is not supported by ${model}`);
  }
  if (typeof body.mask_url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(body.mask_url)) {
    fail('mask_url', 'mask_url must be a URL');
  }
  if (imageUrls.length === 0) {
    fail('mask_url', 'mask_url needs exactly one reference image in image_urls');
  }
  if (imageUrls.length > 1) {
    fail('mask_url', 'mask_url cannot be used when image_urls holds more than 1 image');
  }
  const mask = lookup(body.mask_url);
  if (!mask) {
    const named = formatByName(body.mask_url);
    if (named && named !== 'png') fail('mask_url', 'the mask must be a PNG image');
    const reference = formatByName(String(imageUrls[0] ?? ''));
    if (reference && reference !== 'png') fail('image_urls', 'with mask_url, the reference image must be a PNG image');
  }
  if (mask) {
    if (mask.format !== 'png') {
      fail('mask_url', 'the mask must be a PNG image');
    }
    if (mask.bytes.length > rules.mask.maxBytes) {
      fail('mask_url', `the mask is ${mask.bytes.length} bytes; the limit is 4MB`);
    }
    const reference = lookup(imageUrls[0] as string);
    // The vendor's pages: with a mask, the mask and the reference image must both be PNGs of one size.
    if (reference && reference.format !== 'png') {
      fail('image_urls', 'with mask_url, the reference image must be a PNG image');
    }
    if (reference && (reference.width !== mask.width || reference.height !== mask.height)) {
      fail('mask_url', `the mask is ${mask.width}x${mask.height} but the reference image is ${reference.width}x${reference.height}; they must be the same size`);
    }
  }
  return body.mask_url;
}

function checkCallback(body: Body, rules: ModelRules, model: string): string | undefined {
  const value = body.callback_url;
  if (value === undefined) {
    return undefined;
  }
  if (!rules.callbackUrl) {
    fail('callback_url', `callback_url is not supported by ${model}`);
  }
  if (typeof value !== 'string') {
    fail('callback_url', 'callback_url must be a URL');
  }
  if (value.length > maxCallbackUrlLength) {
    fail('callback_url', `callback_url must be at most ${maxCallbackUrlLength} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail('callback_url', 'callback_url must be a URL');
  }
  if (parsed.protocol !== 'https:') {
    fail('callback_url', 'callback_url must use HTTPS');
  }
  if (isInternalHost(parsed.hostname)) {
    fail('callback_url', 'callback_url must not point to an internal address');
  }
  return value;
}

/**
 * How many images a task produces. `n` is exact for the GPT models; for Seedream it is an upper
 * bound within which the prompt decides ("generate 3 different images"), and references plus
 * outputs never exceed 15.
 */
export function producedCount(request: ValidRequest): number {
  if (!request.rules.nIsUpperBound) {
    return request.n;
  }
  const asked = /\b(\d{1,2})\s+(?:different\s+|distinct\s+|separate\s+)?(?:images|pictures|variations|variants)\b/i.exec(request.prompt);
  const wanted = asked ? Number(asked[1]) : 1;
  const cap = (request.rules.maxReferencesPlusOutputs ?? Infinity) - request.imageUrls.length;
  return Math.max(1, Math.min(wanted, request.n, cap));
}
