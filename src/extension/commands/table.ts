import type * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import type { ApiKeyCommands } from '../auth/apiKeyCommands';
import type { AppContext } from '../context';
import type { ExportAsCommand } from '../assets/exportCommand';
import type { GenerateAssetCommand } from '../assets/generateAssetCommand';
import type { EditCommand } from '../edit/editCommand';
import type { EditDecisions } from '../edit/editFeature';
import type { GenerateCommand } from '../generate/generateCommand';
import type { StudioFeature } from '../studio/studioFeature';
import type { TasksView } from '../views/tasksView';
import { taskViewCommands } from '../views/taskCommands';
import type { HistoryView } from '../views/historyView';

/** The features of a window, as the composition root builds them and the commands use them. */
export interface Features {
  ctx: AppContext;
  apiKey: ApiKeyCommands;
  generate: GenerateCommand;
  edit: EditCommand;
  studio: StudioFeature;
  /** The History gallery in the EvoLink sidebar. */
  history: HistoryView;
  edits: EditDecisions;
  /** Submits a task again with its original settings and inputs, and shows its progress. */
  retry(localId: string): Promise<LedgerEntry | undefined>;
  showTasks(focusId?: string): Promise<void>;
  insertReference(image?: vscode.Uri): Promise<string | undefined>;
  /** Drops of image files into editors (registered at activation, answered here). */
  drop: vscode.DocumentDropEditProvider;
  saveTaskTo(localId: string, folder: vscode.Uri): Promise<LedgerEntry | undefined>;
  openWalkthrough(): Promise<void>;
  tasksView: TasksView;
  /** Export As…: recipes run on an image of the workspace, with no model call. */
  exportAs: ExportAsCommand;
  /** Generate Asset…: one image generated for a recipe, then the recipe's files made from it. */
  generateAsset: GenerateAssetCommand;
  /** Copies a built-in recipe into the workspace's presets and opens it. */
  newRecipePreset(args: { recipe?: string }): Promise<vscode.Uri | undefined>;
  /** `EvoLink: Move Sidecars into the Index` (`confirmed` skips the question: automation, tests). */
  moveSidecars(confirmed: boolean): Promise<number>;
}

const object = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
/** A command's options without the answers to its questions, unless the tests give them (`AppContext.answersInAdvance`). */
function answered(f: Features, value: unknown): Record<string, unknown> {
  const options = object(value);
  if (f.ctx.answersInAdvance) return options;
  return Object.fromEntries(Object.entries(options).filter(([name]) => name !== 'confirmed' && name !== 'onExisting' && name !== 'anyFolder'));
}
const uri = (value: unknown): vscode.Uri | undefined => (value instanceof Object && 'scheme' in value ? (value as vscode.Uri) : undefined);

/**
 * Every command of the extension: id -> handler. A test checks this table against
 * `contributes.commands`. Handlers receive the lazily built features; they must not be imported
 * by value here, so that activation loads none of them.
 */
export const commandTable = {
  'evolink.setApiKey': (f: Features, args?: unknown) => f.apiKey.set(object(args)),
  'evolink.clearApiKey': (f: Features) => f.apiKey.clear(),
  'evolink.showBalance': (f: Features) => f.apiKey.showBalance(),
  'evolink.generateImage': (f: Features, args?: unknown) => f.generate.run(answered(f, args)),
  'evolink.openStudio': (f: Features) => f.studio.show(),
  'evolink.showTasks': (f: Features, focusId?: unknown) => f.showTasks(typeof focusId === 'string' ? focusId : undefined),
  'evolink.saveTaskTo': (f: Features, localId?: unknown, folder?: unknown) => {
    const target = uri(folder);
    return typeof localId === 'string' && target ? f.saveTaskTo(localId, target) : undefined;
  },
  'evolink.insertImageReference': (f: Features, image?: unknown) => f.insertReference(uri(image)),
  'evolink.editImage': (f: Features, clicked?: unknown, selected?: unknown, args?: unknown) => f.edit.run(clicked, selected, object(args)),
  'evolink.openInStudio': (f: Features, clicked?: unknown, selected?: unknown) => f.studio.openWith(clicked, selected),
  'evolink.openWalkthrough': (f: Features) => f.openWalkthrough(),
  'evolink.restoreOriginal': (f: Features) => f.edits.restoreOriginal(),
  'evolink.moveSidecarsIntoIndex': (f: Features, options?: unknown) => f.moveSidecars(answered(f, options).confirmed === true),
  'evolink.retryTask': (f: Features, localId?: unknown) => (typeof localId === 'string' ? f.retry(localId) : undefined),
  'evolink.compareEdit': (f: Features, localId?: unknown) => (typeof localId === 'string' ? f.edits.reopen(localId) : undefined),
  'evolink.resolveEdit': (f: Features, localId?: unknown, decision?: unknown, options?: unknown) => {
    const { variant, confirmed } = answered(f, options);
    return typeof localId === 'string' && (decision === 'keepBoth' || decision === 'replace' || decision === 'discard')
      ? f.edits.decide(localId, decision, typeof variant === 'number' ? variant : 0, confirmed === true)
      : undefined;
  },
  'evolink.exportAs': (f: Features, clicked?: unknown, selected?: unknown, args?: unknown) => f.exportAs.run(clicked, selected, answered(f, args)),
  'evolink.generateAsset': (f: Features, args?: unknown) => f.generateAsset.run(answered(f, args)),
  'evolink.newRecipePreset': (f: Features, args?: unknown) => {
    const { recipe } = object(args);
    return f.newRecipePreset(typeof recipe === 'string' ? { recipe } : {});
  },
  ...taskViewCommands,
} satisfies Record<string, (features: Features, ...args: unknown[]) => unknown>;

/** The id of a contributed command. */
export type CommandId = keyof typeof commandTable;
