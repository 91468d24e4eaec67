import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import type { StudioImage, StudioTask } from '../../common/protocol';
import { actionsFor, isActive } from '../../common/taskState';
import { outcomeMessage, progressLine, stateLabel } from '../tasks/outcome';
import { actionIcon, actionTitle } from '../tasks/taskActions';

/** A label as the start of a line: its first letter capital, where the language has capitals. */
function sentenceCase(label: string): string {
  return label.charAt(0).toLocaleUpperCase(vscode.env.language) + label.slice(1);
}

/**
 * A task as the Studio shows it: what is happening and what can be done, in the user's language,
 * so that the webview decides nothing about states. `images` are the task's saved files the
 * panel may show.
 */
export function taskView(entry: LedgerEntry, images: StudioImage[], now: number, toldHere: boolean): StudioTask {
  const active = isActive(entry.state);
  // What went wrong, or what waits for the user; a saved task's message is no problem.
  const outcome = active ? undefined : outcomeMessage(entry, false);
  return {
    localId: entry.localId,
    prompt: entry.request.prompt,
    model: entry.body.model,
    size: entry.body.size,
    n: entry.body.n,
    state: entry.state,
    active,
    status: active ? progressLine(entry, now) : sentenceCase(stateLabel(entry).replace(/\$\([^)]+\)\s*/g, '')),
    progress: entry.state === 'running' ? entry.progress : undefined,
    creditsReserved: entry.creditsReserved,
    creditsUsed: entry.creditsUsed,
    error: outcome && outcome.kind !== 'info' ? outcome.text : undefined,
    actions: actionsFor(entry)
      .filter((action) => action !== 'forget')
      .map((action) => ({ action, title: actionTitle(action), icon: actionIcon(action) })),
    createdAt: entry.createdAt,
    images,
    toldHere,
  };
}

