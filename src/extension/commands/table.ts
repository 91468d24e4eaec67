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
} satisfies Record<string, (services: Services, ...args: unknown[]) => unknown>;

/** The id of a contributed command. */
export type CommandId = keyof typeof commandTable;
