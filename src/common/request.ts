import { formatNames } from './imageType';
import { megabyte } from './limits';
import { area, findModel, models, sizeLabel, uploadFormats, type ImageFormat, type ModelSpec } from './models';

/**
 * A generation request as every entry point builds it (palette, Studio, explorer, agent tool),
 * before it is checked against the model table and turned into the wire body.
 */
export interface GenerationRequest {
  model: string;
  prompt: string;
  /** A size value of the model; the model's default when absent. */
  size?: string;
  /** How many images; the model's default when absent. */
  n?: number;
  quality?: string;
  promptPriority?: string;
  /** Reference images, already uploaded or reachable by the service. */
  imageUrls?: string[];
  maskUrl?: string;
}

/** What is known of a local image before it is uploaded. */
export interface LocalImageInfo {
  /** Read from the bytes; undefined when the bytes are no known image. */
  format: ImageFormat | undefined;
  bytes: number;
  width: number;
  height: number;
  /** The file ends before its image does (a cut download or copy). */
  truncated?: boolean;
}

/**
 * One problem with a request, naming the parameter and the limit. `code` selects the sentence;
 * `values` fills it. The host localizes it; {@link describeIssue} gives English for logs and agents.
 */
export interface RequestIssue {
  param: string;
  code:
    | 'modelUnknown'
    | 'promptEmpty'
    | 'promptTooLong'
    | 'sizeNotAllowed'
    | 'sizeMalformed'
    | 'sizePixels'
    | 'sizeRatio'
    | 'countNotAllowed'
    | 'countRange'
    | 'notSupported'
    | 'valueNotAllowed'
    | 'referenceCount'
    | 'referenceFormat'
    | 'referenceBytes'
    | 'referenceMinSide'
    | 'referencePixels'
    | 'referenceRatio'
    | 'referenceNotImage'
    | 'referenceTruncated'
    | 'referencesWithOutputs'
    | 'maskNeedsOneReference'
    | 'maskFormat'
    | 'maskTruncated'
    | 'maskBytes'
    | 'maskDimensions';
  values: Record<string, string | number>;
}

/** The JSON body of `POST /v1/images/generations`. */
export interface SubmitBody {
  model: string;
  prompt: string;
  size: string;
  n: number;
  quality?: string;
  prompt_priority?: string;
  image_urls?: string[];
  mask_url?: string;
}

/** The links of uploaded images a request sends: its references, then its mask. */
export const sentLinks = (body: SubmitBody): string[] => [...(body.image_urls ?? []), ...(body.mask_url === undefined ? [] : [body.mask_url])];

/** A request that passed: the body to send and what it is expected to reserve. */
export interface CheckedRequest {
  model: ModelSpec;
  body: SubmitBody;
  width: number | undefined;
  height: number | undefined;
  /** Credits the service reserves at submit: per image times `n`. */
  reservedCredits: number;
}

const formatList = (values: readonly (string | number)[]): string => values.join(', ');

/** Whether width / height lies between 1:maxRatio and maxRatio:1. */
function withinRatio(width: number, height: number, maxRatio: number): boolean {
  const ratio = width / height;
  return ratio >= 1 / maxRatio && ratio <= maxRatio;
}

/** The aspect ratio bounds as a person reads them: `1:16` and `16:1`. */
function ratioLabels(maxRatio: number): { min: string; max: string } {
  return { min: `1:${maxRatio}`, max: `${maxRatio}:1` };
}

/** Characters as the service counts them (code points, not UTF-16 units). */
export function promptLength(prompt: string): number {
  return [...prompt].length;
}

/** The pixel size a size value gives for a model, or why it is refused. */
export function resolveSize(model: ModelSpec, value: string): { width?: number; height?: number } | RequestIssue {
  const spec = model.size;
  const option = spec.options.find((candidate) => candidate.value === value);
  if (spec.kind === 'choices') {
    return option ?? { param: 'size', code: 'sizeNotAllowed', values: { value, allowed: formatList(spec.options.map((o) => o.value)) } };
  }
  if (option) {
    return option;
  }
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(value);
  if (!match) {
    return { param: 'size', code: 'sizeMalformed', values: { value, named: formatList(spec.options.filter((o) => !/x/.test(o.value)).map((o) => o.value)) } };
  }
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width * height < area(spec.minPixels) || width * height > area(spec.maxPixels)) {
    return { param: 'size', code: 'sizePixels', values: { value, min: sizeLabel(spec.minPixels), max: sizeLabel(spec.maxPixels) } };
  }
  if (!withinRatio(width, height, spec.maxRatio)) {
    return { param: 'size', code: 'sizeRatio', values: { value, ...ratioLabels(spec.maxRatio) } };
  }
  return { width, height };
}

function isIssue(value: unknown): value is RequestIssue {
  return typeof value === 'object' && value !== null && 'code' in value;
}

/**
 * Checks a request against the model table and builds the wire body. Answers every problem
 * found (not only the first), each naming its parameter and the allowed values, so that
 * nothing is sent, and no credit spent, for a request the service would refuse.
 */
export function checkRequest(request: GenerationRequest): { ok: true; checked: CheckedRequest } | { ok: false; issues: RequestIssue[] } {
  const model = findModel(request.model);
  if (!model) {
    return { ok: false, issues: [{ param: 'model', code: 'modelUnknown', values: { value: request.model, allowed: formatList(models.map((m) => m.id)) } }] };
  }
  const issues: RequestIssue[] = [];
  const length = promptLength(request.prompt.trim());
  if (length === 0) {
    issues.push({ param: 'prompt', code: 'promptEmpty', values: {} });
  } else if (promptLength(request.prompt) > model.promptMaxLength) {
    issues.push({ param: 'prompt', code: 'promptTooLong', values: { length: promptLength(request.prompt), max: model.promptMaxLength } });
  }

  const sizeValue = request.size ?? model.size.default;
  const size = resolveSize(model, sizeValue);
  if (isIssue(size)) {
    issues.push(size);
  }

  const n = request.n ?? model.count.default;
  const count = model.count;
  if (count.kind === 'choices') {
    if (!count.values.includes(n)) {
      issues.push({ param: 'n', code: 'countNotAllowed', values: { value: n, allowed: formatList(count.values) } });
    }
  } else if (!Number.isInteger(n) || n < count.min || n > count.max) {
    issues.push({ param: 'n', code: 'countRange', values: { value: n, min: count.min, max: count.max } });
  }

  const optional = (param: string, value: string | undefined, spec: { values: readonly string[] } | undefined): void => {
    if (value === undefined) return;
    if (!spec) issues.push({ param, code: 'notSupported', values: { model: model.id } });
    else if (!spec.values.includes(value)) issues.push({ param, code: 'valueNotAllowed', values: { value, allowed: formatList(spec.values) } });
  };
  optional('quality', request.quality, model.quality);
  optional('prompt_priority', request.promptPriority, model.promptPriority);

  const references = request.imageUrls ?? [];
  if (references.length > 0 && (references.length < model.references.min || references.length > model.references.max)) {
    issues.push({ param: 'image_urls', code: 'referenceCount', values: { count: references.length, min: model.references.min, max: model.references.max } });
  }
  if (references.length > 0 && model.references.maxWithOutputs !== undefined && references.length + n > model.references.maxWithOutputs) {
    issues.push({ param: 'n', code: 'referencesWithOutputs', values: { count: references.length, n, max: model.references.maxWithOutputs } });
  }
  if (request.maskUrl !== undefined) {
    if (!model.mask) issues.push({ param: 'mask_url', code: 'notSupported', values: { model: model.id } });
    else if (references.length !== 1) issues.push({ param: 'mask_url', code: 'maskNeedsOneReference', values: { count: references.length } });
  }

  if (issues.length > 0) {
    return { ok: false, issues };
  }
  // A pixel size is sent as the service writes it (`2560x1440`), however it was typed (`02560x1440`).
  const sent = !isIssue(size) && size.width !== undefined && size.height !== undefined && /x/.test(sizeValue) ? `${size.width}x${size.height}` : sizeValue;
  const body: SubmitBody = { model: model.id, prompt: request.prompt, size: sent, n };
  if (model.quality) body.quality = request.quality ?? model.quality.default;
  if (model.promptPriority && request.promptPriority !== undefined) body.prompt_priority = request.promptPriority;
  if (references.length > 0) body.image_urls = references;
  if (request.maskUrl !== undefined) body.mask_url = request.maskUrl;
  const dims = isIssue(size) ? undefined : size;
  return {
    ok: true,
    checked: {
      model,
      body,
      width: dims?.width,
      height: dims?.height,
      reservedCredits: Math.round(model.creditsPerImage * n * 10000) / 10000,
    },
  };
}

/**
 * Checks local images against a model's reference limits before anything is uploaded.
 * `index` names the image in messages.
 */
export function checkReferenceImage(model: ModelSpec, image: LocalImageInfo, index: number): RequestIssue[] {
  const refs = model.references;
  const where = { index: index + 1 };
  if (!image.format) {
    return [{ param: 'image_urls', code: 'referenceNotImage', values: where }];
  }
  if (image.truncated) {
    return [{ param: 'image_urls', code: 'referenceTruncated', values: where }];
  }
  const issues: RequestIssue[] = [];
  if (!refs.formats.includes(image.format)) {
    issues.push({ param: 'image_urls', code: 'referenceFormat', values: { ...where, format: formatNames([image.format]), allowed: formatNames(refs.formats) } });
  }
  // A format the files API does not store is sent as a PNG, whose size is checked once it is made
  // (when its pixels are known here: a file too large to be read for them is judged by its own size).
  if (image.bytes > refs.maxBytes && (uploadFormats.includes(image.format) || image.width === 0)) {
    issues.push({ param: 'image_urls', code: 'referenceBytes', values: { ...where, size: megabytes(image.bytes), max: megabytes(refs.maxBytes) } });
  }
  // Pixels not known here (a file too large to read whole, a layout not parsed): judged once it is decoded.
  if (image.width === 0 || image.height === 0) return issues;
  if (refs.minSideExclusive !== undefined && (image.width <= refs.minSideExclusive || image.height <= refs.minSideExclusive)) {
    issues.push({ param: 'image_urls', code: 'referenceMinSide', values: { ...where, width: image.width, height: image.height, min: refs.minSideExclusive + 1 } });
  }
  if (refs.maxPixels !== undefined && image.width * image.height > area(refs.maxPixels)) {
    issues.push({ param: 'image_urls', code: 'referencePixels', values: { ...where, width: image.width, height: image.height, max: sizeLabel(refs.maxPixels) } });
  }
  if (refs.maxRatio !== undefined && !withinRatio(image.width, image.height, refs.maxRatio)) {
    issues.push({ param: 'image_urls', code: 'referenceRatio', values: { ...where, width: image.width, height: image.height, ...ratioLabels(refs.maxRatio) } });
  }
  return issues;
}

/** Checks a mask against the model and the one reference it goes with. */
export function checkMaskImage(model: ModelSpec, mask: LocalImageInfo, reference: LocalImageInfo): RequestIssue[] {
  if (!model.mask) {
    return [{ param: 'mask_url', code: 'notSupported', values: { model: model.id } }];
  }
  const issues: RequestIssue[] = [];
  if (mask.truncated) return [{ param: 'mask_url', code: 'maskTruncated', values: {} }];
  if (mask.format !== 'png') issues.push({ param: 'mask_url', code: 'maskFormat', values: { format: mask.format ? formatNames([mask.format]) : 'unknown' } });
  if (mask.bytes > model.mask.maxBytes) issues.push({ param: 'mask_url', code: 'maskBytes', values: { size: megabytes(mask.bytes), max: megabytes(model.mask.maxBytes) } });
  if (mask.width !== reference.width || mask.height !== reference.height) {
    issues.push({ param: 'mask_url', code: 'maskDimensions', values: { mask: `${mask.width}x${mask.height}`, image: `${reference.width}x${reference.height}` } });
  }
  return issues;
}

/** Megabytes to one decimal, rounded up: a file just over a limit never reads as the limit. */
function megabytes(bytes: number): string {
  return `${Math.ceil((bytes / megabyte) * 10) / 10} MB`;
}

const english: Record<RequestIssue['code'], string> = {
  modelUnknown: 'Model {value} is not available; choose one of {allowed}.',
  promptEmpty: 'The prompt is empty; describe the image you want.',
  promptTooLong: 'The prompt has {length} characters; this model takes at most {max}.',
  sizeNotAllowed: 'Size {value} is not offered by this model; choose one of {allowed}.',
  sizeMalformed: 'Size {value} is not valid; use {named} or WIDTHxHEIGHT in pixels.',
  sizePixels: 'Size {value} is out of range; the total pixels must lie between {min} and {max}.',
  sizeRatio: 'Size {value} has an aspect ratio outside {min} to {max}.',
  countNotAllowed: '{value} images cannot be requested from this model; choose one of {allowed}.',
  countRange: '{value} images cannot be requested; choose from {min} to {max}.',
  notSupported: 'Model {model} does not take this parameter.',
  valueNotAllowed: '{value} is not allowed; choose one of {allowed}.',
  referenceCount: '{count} reference images were given; this model takes {min} to {max}.',
  referenceFormat: 'Reference {index} is {format}; this model takes {allowed}.',
  referenceBytes: 'Reference {index} is {size}; this model takes at most {max}.',
  referenceMinSide: 'Reference {index} is {width}x{height}; each side must be at least {min} px.',
  referencePixels: 'Reference {index} is {width}x{height}; this model takes at most {max} pixels.',
  referenceRatio: 'Reference {index} is {width}x{height}; its aspect ratio must lie between {min} and {max}.',
  referenceNotImage: 'Reference {index} is not an image file.',
  referenceTruncated: 'Reference {index} is cut off: the file ends before the image does. Save or copy it again.',
  referencesWithOutputs: '{count} reference images and {n} outputs make more than {max}; ask for fewer images or use fewer references.',
  maskNeedsOneReference: 'A mask needs exactly one reference image ({count} given).',
  maskFormat: 'The mask is {format}; it must be a PNG.',
  maskTruncated: 'The mask file is cut off: it ends before the image does. Paint it again.',
  maskBytes: 'The mask is {size}; it may be at most {max}.',
  maskDimensions: 'The mask is {mask} but the image is {image}; they must be the same size.',
};

/** Fills a template's `{name}` placeholders. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** An English sentence for an issue, for logs and for agents. */
export function describeIssue(issue: RequestIssue): string {
  return `${issue.param}: ${fillTemplate(english[issue.code], issue.values)}`;
}
