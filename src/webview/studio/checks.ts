import { checkReferenceImage, promptLength, resolveSize, type RequestIssue } from '../../common/request';
import { customSize, type StudioStore } from './state';

/*
 * What the compose form checks before anything is sent, each naming the limit it breaks. The
 * host checks everything again; these only spare a round trip and say why Generate is off.
 */

/** The size value to send, from the choice or the custom fields. */
export function sizeValue(store: StudioStore): string {
  const { draft } = store.state;
  return draft.size === customSize ? `${draft.width.trim()}x${draft.height.trim()}` : draft.size;
}

/** What is wrong with a custom size; `undefined` for a size of the list or a good custom one. */
export function sizeIssue(store: StudioStore): RequestIssue | undefined {
  if (store.state.draft.size !== customSize) return undefined;
  const size = resolveSize(store.model, sizeValue(store));
  return 'code' in size ? size : undefined;
}

/** Every problem of the references with the chosen model. */
export function referenceIssues(store: StudioStore): RequestIssue[] {
  const { references, draft } = store.state;
  const spec = store.model;
  const issues = references.flatMap((reference, index) => checkReferenceImage(spec, { ...reference, format: reference.format as never }, index));
  const limits = spec.references;
  if (references.length > limits.max) issues.unshift({ param: 'image_urls', code: 'referenceCount', values: { count: references.length, min: limits.min, max: limits.max } });
  if (references.length > 0 && limits.maxWithOutputs !== undefined && references.length + draft.n > limits.maxWithOutputs) {
    issues.push({ param: 'n', code: 'referencesWithOutputs', values: { count: references.length, n: draft.n, max: limits.maxWithOutputs } });
  }
  return issues;
}

/** The mask applies when the model takes one and there is exactly one reference. */
export function maskApplies(store: StudioStore): boolean {
  return store.model.mask !== undefined && store.state.references.length === 1;
}

/**
 * A mask is painted on a reference of the request, but the request as it stands would not send it
 * (another model, or more references): sending would pay for a whole-image edit unasked.
 */
export function maskUnused(store: StudioStore): boolean {
  const painted = store.paintedUri();
  return painted !== undefined && !maskApplies(store) && store.state.references.some((reference) => reference.uri === painted);
}

/** True when Generate cannot be pressed now. */
export function generateBlocked(store: StudioStore): boolean {
  const { draft, submitting, hasApiKey } = store.state;
  const tooLong = promptLength(draft.prompt) > store.model.promptMaxLength;
  const empty = draft.prompt.trim() === '';
  return tooLong || empty || sizeIssue(store) !== undefined || referenceIssues(store).length > 0 || maskUnused(store) || submitting || !hasApiKey;
}
