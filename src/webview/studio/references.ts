import { html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { formatNames } from '../../common/imageType';
import type { StudioReference } from '../../common/protocol';
import { maskApplies, maskUnused, referenceIssues } from './checks';
import { iconButton, select } from './controls';
import { fileSize, issueText, megabytes } from './format';
import { maskBlock } from './mask';
import type { StudioStore } from './state';

/*
 * The reference images of the compose form: the strip, the limits of the chosen model and what
 * breaks them, where the results go, and the mask of the one reference.
 */

/** The block, inside the compose section. */
export function referencesBlock(store: StudioStore): TemplateResult {
  const { t } = store;
  const { references } = store.state;
  const spec = store.model;
  const limits = spec.references;
  const issues = referenceIssues(store);
  const formats = formatNames(limits.formats);
  const first = references[0];
  return html`<div class="field wide references" role="group" aria-labelledby="references-label">
    <vscode-label id="references-label">${t('references')}</vscode-label>
    <div class="reference-strip" role="list">
      ${repeat(references, (reference) => reference.uri, (reference) => referenceCard(store, reference))}
      <vscode-button id="add-reference" secondary icon="add" @click=${() => store.post({ type: 'pickReferences' })}>${t('addReference')}</vscode-button>
    </div>
    <div class="hint" id="reference-limits">${t('referenceLimits', limits.max, formats, megabytes(store, limits.maxBytes))}</div>
    ${issues.length > 0
      ? html`<ul class="hint error issues" id="reference-problems" role="alert">
          ${issues.map((issue) => html`<li>${issueText(store, issue)}</li>`)}
        </ul>`
      : nothing}
    ${first?.inWorkspace ? destinationSelect(store, first) : nothing}
    ${maskUnused(store)
      ? html`<div class="hint error" id="mask-unused" role="alert">${spec.mask ? t('maskUnusedReferences') : t('maskUnusedModel', spec.label, store.state.models.find((model) => model.mask)?.label ?? '')}</div>
          <div class="actions"><vscode-button secondary id="mask-unused-clear" @click=${() => store.clearMask()}>${t('maskClear')}</vscode-button></div>`
      : first && maskApplies(store) ? maskBlock(store, first) : spec.mask && references.length > 1 ? html`<div class="hint">${t('maskNeedsOne')}</div>` : nothing}
  </div>`;
}

function referenceCard(store: StudioStore, reference: StudioReference): TemplateResult {
  const remove = store.t('removeReference');
  return html`<figure class="reference" role="listitem" title=${reference.name}>
    <img src=${reference.src} alt=${reference.name} decoding="async" />
    <figcaption>
      <span class="reference-name">${reference.name}</span>
      <span class="reference-meta" title=${`${reference.width}×${reference.height} · ${fileSize(store, reference.bytes)}`}>${reference.width}×${reference.height} · ${fileSize(store, reference.bytes)}</span>
    </figcaption>
    ${iconButton(remove, 'close', () => store.post({ type: 'removeReference', uri: reference.uri }), `${remove}: ${reference.name}`)}
  </figure>`;
}

/** Results go to the output folder, or beside a workspace reference as its edits. */
function destinationSelect(store: StudioStore, first: StudioReference): TemplateResult {
  const { t } = store;
  const choices = [
    { value: 'output', label: t('destinationOutput') },
    { value: 'beside', label: t('destinationBeside', first.name) },
  ];
  return select('destination', t('destination'), choices, store.state.destination, (value) => store.update({ destination: value === 'beside' ? 'beside' : 'output', problem: '' }));
}
