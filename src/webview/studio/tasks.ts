import { html, nothing, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { repeat } from 'lit/directives/repeat.js';
import type { StudioTask } from '../../common/protocol';
import { iconButton } from './controls';
import { credits } from './format';
import type { StudioStore } from './state';

/*
 * The task list. The host says what each task is doing (`status`, `active`, `progress`, `error`)
 * and what can be done with it (`actions`): this module shows that and decides nothing about
 * task states.
 */

/** The most recent tasks shown. */
const shown = 12;

/** The section. */
export function tasksSection(store: StudioStore): TemplateResult {
  const { tasks } = store.state;
  return html`<section class="tasks" aria-labelledby="tasks-title">
    <h2 id="tasks-title">${store.t('tasks')}</h2>
    <div id="tasks-ended" class="visually-hidden" role="status">${keyed(store.state.announcement.count, html`<span>${store.state.announcement.text}</span>`)}</div>
    ${tasks.length === 0
      ? html`<p class="hint">${store.t('noTasks')}</p>`
      : html`<ul class="task-list">
          ${repeat(tasks.slice(0, shown), (task) => task.localId, (task) => taskItem(store, task))}
        </ul>`}
  </section>`;
}

function taskItem(store: StudioStore, task: StudioTask): TemplateResult {
  const { t } = store;
  const details = [task.model, task.size, task.n === 1 ? t('oneImage') : t('imageCount', String(task.n))];
  if (task.creditsUsed !== undefined) details.push(t('creditsUsed', credits(store, task.creditsUsed)));
  else if (task.creditsReserved !== undefined) details.push(t('cost', credits(store, task.creditsReserved)));
  const status = task.error ? [task.status, task.error] : [task.status];
  const known = task.progress !== undefined && task.progress > 0;
  // The state names only a CSS class (colours), as the host documents it.
  return html`<li class=${`task state-${task.state}`} aria-label=${`${task.prompt}: ${status.join(', ')}`}>
    <div class="task-prompt" title=${task.prompt}>${task.prompt}</div>
    <div class="task-meta">${details.join(' · ')}</div>
    <div class="task-status">${status.join(' · ')}</div>
    ${task.active ? html`<vscode-progress-bar aria-label=${task.status} .value=${known ? task.progress : undefined} ?indeterminate=${!known}></vscode-progress-bar>` : nothing}
    <div class="task-actions">
      ${task.actions.map((offered) => (offered.action === 'retry' ? iconButton(offered.title, offered.icon, () => retry(store, task.localId), offered.title, store.state.submitting) : iconButton(offered.title, offered.icon, () => store.post({ type: 'taskAction', localId: task.localId, action: offered.action }))))}
      ${iconButton(t('copyPrompt'), 'copy', () => store.post({ type: 'copyPrompt', localId: task.localId }))}
    </div>
  </li>`;
}

/** Retry pays for a new task: like Generate, it is off from the first click until the host answers. */
function retry(store: StudioStore, localId: string): void {
  if (store.state.submitting) return;
  store.update({ submitting: true, problem: '' });
  store.post({ type: 'taskAction', localId, action: 'retry' });
}
