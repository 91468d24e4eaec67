import { maxPastedBytes, maxReferences } from '../../common/limits';
import { toBase64 } from '../maskPainter';
import { megabytes } from './format';
import type { StudioStore } from './state';

/*
 * Images pasted into the Studio or dropped on it become references: files from the explorer or
 * an editor tab arrive as URIs (the host takes workspace files only), files from the desktop as
 * bytes, which the host checks and keeps.
 */

/** Listens for pastes and drops on the whole page, for the life of the page. */
export function acceptImages(store: StudioStore): void {
  document.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'));
    if (files.length === 0) return;
    event.preventDefault();
    void sendFiles(store, files);
  });
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', (event) => {
    if (event.relatedTarget === null) document.body.classList.remove('dropping');
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    document.body.classList.remove('dropping');
    const transfer = event.dataTransfer;
    if (!transfer) return;
    const list = transfer.getData('application/vnd.code.uri-list') || transfer.getData('text/uri-list');
    const uris = list
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    if (uris.length > 0) store.post({ type: 'addReferences', uris: uris.slice(0, maxReferences) });
    else void sendFiles(store, [...transfer.files].filter((file) => file.type.startsWith('image/')));
  });
}

/** Reads image files and hands their bytes to the host; one too large for any model is named, not sent. */
async function sendFiles(store: StudioStore, files: readonly File[]): Promise<void> {
  for (const file of files) {
    if (file.size > maxPastedBytes) {
      store.update({ problem: store.t('pastedTooLarge', file.name || 'image', megabytes(store, file.size), megabytes(store, maxPastedBytes)) });
      continue;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    store.post({ type: 'pasteReference', name: file.name || 'pasted image', data: toBase64(bytes) });
  }
}
