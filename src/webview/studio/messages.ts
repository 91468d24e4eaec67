import type { HostMessage, StudioTask } from '../../common/protocol';
import { quotedPrompt } from '../../common/format';
import { withThumbnail } from '../shared/thumbnails';
import { reuse } from './history';
import type { StudioStore } from './state';

/**
 * Applies a message of the host to the store. Changes to the form clear a shown problem, as a
 * new form makes the old complaint stale; progress, history and balance updates leave it.
 */
export function receive(store: StudioStore, message: HostMessage): void {
  switch (message.type) {
    case 'init': {
      store.update({ strings: message.strings, models: message.models, locale: message.locale, hasApiKey: message.hasApiKey });
      store.restoreKept(message.defaultModel);
      document.title = store.t('title');
      // Two frames: the first render is then on screen, not only in the DOM.
      requestAnimationFrame(() => requestAnimationFrame(() => store.post({ type: 'painted' })));
      return;
    }
    case 'tasks': {
      // A new node each time: the same words said again (a retry failing alike) are read out again.
      const said = ended(store, message.tasks);
      store.update({ tasks: message.tasks, ...(said ? { announcement: { text: said, count: store.state.announcement.count + 1 } } : {}) });
      return;
    }
    case 'history':
      store.update({ history: message.items });
      return;
    case 'thumbnail':
      store.update({ history: withThumbnail(store.state.history, message) });
      return;
    case 'balance':
      store.update({ spendable: message.spendable });
      return;
    case 'spend':
      store.update({ spend: { today: message.today, limit: message.limit } });
      return;
    case 'apiKey':
      store.update({ hasApiKey: message.hasApiKey, problem: '' });
      return;
    case 'submitted':
      store.update({ submitting: false, problem: '' });
      return;
    case 'problem':
      store.update({ submitting: false, problem: message.message });
      return;
    case 'references':
      if (message.picturesOnly) {
        store.update({ references: message.items });
        return;
      }
      // Results can go beside a reference only when it is in the workspace.
      store.update({ references: message.items, problem: '', ...(message.items[0]?.inWorkspace ? {} : { destination: 'output' as const }) });
      return;
    case 'draft': {
      const known = store.state.models.some((candidate) => candidate.id === message.model);
      store.updateDraft(known ? { model: message.model, prompt: message.prompt } : { prompt: message.prompt }, { problem: '' });
      document.getElementById('prompt')?.focus();
      return;
    }
    case 'edit': {
      const known = message.model !== undefined && store.state.models.some((candidate) => candidate.id === message.model);
      store.updateDraft(known ? { model: message.model } : {}, { destination: 'beside', maskOpen: message.paintMask, problem: '' });
      document.getElementById('prompt')?.focus();
      return;
    }
    case 'reuse':
      reuse(store, message.item);
      return;
  }
}

/**
 * What a screen reader is told when tasks end: each task of the Studio's that was running and no
 * longer is, by its prompt (shortened) and what became of it (saved, failed and why, waiting for
 * the user); a count where more than three ended at once; nothing when none ended. The end of a
 * task started elsewhere (the palette) is told by its message: said here too, it is heard twice.
 */
function ended(store: StudioStore, now: readonly StudioTask[]): string | undefined {
  const running = new Set(store.state.tasks.filter((task) => task.active).map((task) => task.localId));
  const done = now.filter((task) => task.toldHere && running.has(task.localId) && !task.active);
  if (done.length === 0) return undefined;
  if (done.length > 3) return store.t('tasksEnded', String(done.length));
  // The error is a sentence of its own; the templates carry each language's punctuation.
  return done.map((task) => (task.error ? store.t('taskEndedWithError', quotedPrompt(task.prompt), task.status, task.error) : store.t('taskEnded', quotedPrompt(task.prompt), task.status))).join(' ');
}
