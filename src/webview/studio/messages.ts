import type { HostMessage, StudioTask } from '../../common/protocol';
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
      store.updateDraft(store.keptDraft() ?? { model: message.defaultModel });
      document.title = store.t('title');
      // Two frames: the first render is then on screen, not only in the DOM.
      requestAnimationFrame(() => requestAnimationFrame(() => store.post({ type: 'painted' })));
      return;
    }
    case 'tasks':
      store.update({ tasks: message.tasks, announcement: ended(store.state.tasks, message.tasks) ?? store.state.announcement });
      return;
    case 'history':
      store.update({ history: message.items });
      return;
    case 'thumbnail':
      // A new item object: lit renders the entry again, now with its thumbnail.
      store.update({ history: store.state.history.map((item) => (item.uri === message.uri && item.key === message.key ? { ...item, thumb: message.thumb } : item)) });
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
 * What a screen reader is told when tasks end: each task that was running and no longer is, by
 * its prompt and what became of it (saved, failed, waiting for the user); nothing when none ended.
 */
function ended(before: readonly StudioTask[], now: readonly StudioTask[]): string | undefined {
  const running = new Set(before.filter((task) => task.active).map((task) => task.localId));
  const done = now.filter((task) => running.has(task.localId) && !task.active);
  const sentence = (text: string): string => (/[.!?。！？]$/.test(text) ? text : `${text}.`);
  return done.length === 0 ? undefined : done.map((task) => sentence(`${task.prompt}: ${[task.status, task.error].filter(Boolean).join(', ')}`)).join(' ');
}
