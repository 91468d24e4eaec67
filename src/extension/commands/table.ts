import type * as vscode from 'vscode';
import type { Services } from '../services';

/**
 * Every command of the extension: id -> handler. A test checks this table against
 * `contributes.commands`. Handlers receive the lazily built services; they must not be
 * imported by value here, so that activation loads none of them.
 */
export const commandTable = {
  'evolink.setApiKey': (services: Services, args?: unknown) =>
    services.apiKey.set(typeof args === 'object' && args !== null ? (args) : undefined),
  'evolink.clearApiKey': (services: Services) => services.apiKey.clear(),
  'evolink.showBalance': (services: Services) => services.apiKey.showBalance(),
  'evolink.generateImage': (services: Services, args?: unknown) =>
    services.generate.run(typeof args === 'object' && args !== null ? (args) : {}),
  'evolink.openStudio': (services: Services) => services.openStudio(),
  'evolink.showTasks': (services: Services, focusId?: unknown) => services.showTasks(typeof focusId === 'string' ? focusId : undefined),
  'evolink.saveTaskTo': (services: Services, localId?: unknown, folder?: unknown) =>
    typeof localId === 'string' && folder instanceof Object && 'scheme' in folder ? services.tasks.saveElsewhere(localId, folder as vscode.Uri) : undefined,
  'evolink.insertImageReference': (services: Services, image?: unknown) =>
    services.insertReference(image instanceof Object && 'scheme' in image ? (image as vscode.Uri) : undefined),
  'evolink.editImage': (services: Services, clicked?: unknown, selected?: unknown, args?: unknown) =>
    services.edit.run(clicked, selected, typeof args === 'object' && args !== null ? (args) : {}),
  'evolink.openInStudio': (services: Services, clicked?: unknown, selected?: unknown) => services.openInStudio(clicked, selected),
  'evolink.openWalkthrough': (services: Services) => services.openWalkthrough(),
  'evolink.restoreOriginal': (services: Services) => services.restoreOriginal(),
  'evolink.retryTask': (services: Services, localId?: unknown) => (typeof localId === 'string' ? services.retryAndFollow(localId) : undefined),
  'evolink.resolveEdit': (services: Services, localId?: unknown, decision?: unknown, options?: unknown) => {
    const { variant, confirmed } = (typeof options === 'object' && options !== null ? options : {}) as { variant?: number; confirmed?: boolean };
    return typeof localId === 'string' && (decision === 'keepBoth' || decision === 'replace' || decision === 'discard')
      ? services.decideEdit(localId, decision, variant ?? 0, confirmed === true)
      : undefined;
  },
} satisfies Record<string, (services: Services, ...args: unknown[]) => unknown>;

/** The id of a contributed command. */
export type CommandId = keyof typeof commandTable;
