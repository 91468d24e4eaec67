import { maxMaskBytes } from '../../common/limits';
import type { WebviewMessage } from '../../common/protocol';
import type { RequestOptions } from '../../common/requestOptions';
import { toBase64 } from '../maskPainter';
import { maskApplies, sizeValue } from './checks';
import { issueText, megabytes } from './format';
import type { StudioStore } from './state';

/**
 * Sends the draft to the host as a request, with the references and the painted mask. The host
 * checks it again, asks for a folder when needed, and answers `submitted` or `problem`.
 */
export async function submit(store: StudioStore): Promise<void> {
  if (store.state.submitting) return;
  const spec = store.model;
  const { draft, references, destination } = store.state;
  const request: RequestOptions = { model: spec.id, prompt: draft.prompt, size: sizeValue(store), n: draft.n };
  if (spec.quality) request.quality = draft.quality;
  if (spec.promptPriority && draft.promptPriority) request.promptPriority = draft.promptPriority;
  const message: Extract<WebviewMessage, { type: 'submit' }> = { type: 'submit', request, references: references.map((reference) => reference.uri), destination };
  const first = references[0];
  const painter = first && maskApplies(store) ? store.existingPainter(first) : undefined;
  // A mask painted before the image changed size on disk, or before a reload, cannot be sent, and
  // sending none would pay for a whole-image edit unasked: said once, then Generate sends without.
  const lost = first && maskApplies(store) ? store.lostMask(first) : undefined;
  if (first && lost) {
    store.forgetLostMask(first);
    store.update({ problem: store.t(lost === 'size' ? 'maskStale' : 'maskLostReload') });
    return;
  }
  // Generate is off from the first click: a second one while the mask is made would pay twice.
  store.update({ submitting: true, problem: '' });
  if (painter?.isPainted) {
    // The painter works at the reference's pixel size: a mask of another size cannot be made.
    let mask: Uint8Array;
    try {
      mask = await painter.export();
    } catch {
      // The canvas could not be read back (out of memory, say): nothing was sent.
      store.update({ submitting: false, problem: store.t('maskExportFailed') });
      return;
    }
    if (mask.length > maxMaskBytes) {
      const size = (bytes: number): string => `${megabytes(store, bytes)} MB`;
      store.update({ submitting: false, problem: issueText(store, { param: 'mask_url', code: 'maskBytes', values: { size: size(mask.length), max: size(maxMaskBytes) } }) });
      return;
    }
    message.mask = toBase64(mask);
  }
  store.post(message);
}
