/*
 * The Image Studio webview. It runs in the panel's iframe, talks to the host only through
 * postMessage (the host makes every network call and never sends the key), takes all its text
 * from the host's `init`, and keeps the draft in the webview state so that it survives a reload.
 * The sections render with lit from one store, into the light DOM: media/studio.css styles them,
 * and labels and ARIA references reach across sections.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { html, nothing, type TemplateResult } from 'lit';
import type { HostMessage, WebviewMessage } from '../common/protocol';
import { mount } from './shared/mount';
import { Thumbnailer } from './shared/thumbnails';
import { connectToHost } from './shared/vscodeApi';
import { composeSection } from './studio/compose';
import { historySection } from './studio/history';
import { receive } from './studio/messages';
import { resultsSection } from './studio/results';
import { StudioStore, type KeptState } from './studio/state';
import { tasksSection } from './studio/tasks';
import { acceptImages } from './studio/transfer';

/** The whole Studio; nothing until the host's `init` has brought the models and the text. */
function studio(store: StudioStore, thumbnailer: Thumbnailer): TemplateResult | typeof nothing {
  if (store.state.models.length === 0) return nothing;
  return html`<h1>${store.t('title')}</h1>
    ${composeSection(store)} ${tasksSection(store)} ${resultsSection(store)} ${historySection(store, thumbnailer)}`;
}

const host = connectToHost<HostMessage, WebviewMessage, KeptState>();
const store = new StudioStore(host);
const thumbnailer = new Thumbnailer(
  (message) => store.post(message),
  (item) => store.update({ thumbnailsFailed: new Set([...store.state.thumbnailsFailed, item.key]) }),
);
const app = document.getElementById('app');
if (app) store.subscribe(mount(app, () => studio(store, thumbnailer)));
acceptImages(store);
host.listen((message) => {
  if (message.type === 'thumbnail') thumbnailer.stored(message.key);
  receive(store, message);
});
host.post({ type: 'ready' });
