import { html, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';

/*
 * The small controls every section of the Studio uses, as lit templates.
 */

/** One choice of a select. */
export interface Choice {
  value: string;
  label: string;
  /** Shown below the list while the option is highlighted (a label kept short for a narrow select). */
  description?: string;
}

/**
 * A labelled `vscode-single-select`. It reads its options when they are slotted, so a new set of
 * options gets a new element (keyed by the options); a new value for the same options selects
 * the option, and the element, with its focus, stays.
 */
export function select(id: string, label: string, choices: readonly Choice[], value: string, onChange: (value: string) => void): TemplateResult {
  const options = choices.map((choice) => html`<vscode-option value=${choice.value} description=${choice.description ?? ''} ?selected=${choice.value === value}>${choice.label}</vscode-option>`);
  const signature = choices.map((choice) => `${choice.value}\u0000${choice.label}\u0000${choice.description ?? ''}`).join('\u0001');
  return html`<div class="field">
    <vscode-label for=${id}>${label}</vscode-label>
    ${keyed(signature, html`<vscode-single-select id=${id} aria-label=${label} @change=${(event: Event) => onChange((event.currentTarget as HTMLElement & { value: string }).value)}>${options}</vscode-single-select>`)}
  </div>`;
}

/** An icon button whose label is its tooltip and its accessible name. */
export function iconButton(label: string, icon: string, onClick: () => void, accessibleName = label, disabled = false): TemplateResult {
  return html`<vscode-button secondary icon=${icon} title=${label} aria-label=${accessibleName} ?disabled=${disabled} @click=${onClick}></vscode-button>`;
}
