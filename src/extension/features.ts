import * as vscode from 'vscode';
import { findModel } from '../common/models';
import { sentLinks } from '../common/request';
import { invokeImageTool, prepareImageTool, type ImageToolInput } from './agent/imageTool';
import { ExportAsCommand } from './assets/exportCommand';
import { GenerateAssetCommand } from './assets/generateAssetCommand';
import { newRecipePreset } from './assets/newPreset';
import { ApiKeyCommands } from './auth/apiKeyCommands';
import { DisposableBase } from './base/disposable';
import { presentError, runCommand } from './commands/runner';
import { commandTable, type CommandId, type Features } from './commands/table';
import { endpointsFrom } from './config/settings';
import type { AppContext } from './context';
import { EditCommand } from './edit/editCommand';
import { EditDecisions } from './edit/editFeature';
import { GenerateCommand } from './generate/generateCommand';
import { moveSidecarsIntoIndex } from './provenance/moveSidecars';
import { ImageHistory } from './studio/history';
import { StudioFeature } from './studio/studioFeature';
import { retryTask } from './submit/submit';
import { Announcer } from './tasks/announcer';
import { showProgress, waitFor } from './tasks/progress';
import { showTasks, TaskStatusBar } from './tasks/taskList';
import { ImageDropProvider } from './ui/dropProvider';
import { insertImageReference } from './ui/insertReference';
import { TextEditorInUse } from './ui/textEditorInUse';
import { TasksView } from './views/tasksView';
import { HistoryView } from './views/historyView';

/*
 * The features of a window, wired to the context the composition root built: each feature gets
 * what it needs from the context, and the commands reach them through the command table.
 */

/** The services of one window, as `main.ts` uses them. */
export class Services extends DisposableBase {
  readonly features: Features;

  constructor(readonly ctx: AppContext) {
    super();
    for (const part of [ctx.settings, ctx.clients, ctx.tasks, ctx.budget, ctx.images, ctx.thumbnails]) this._register(part);
    this._register(new TaskStatusBar(ctx.tasks));
    const apiKey = new ApiKeyCommands(ctx.apiKeys, () => ctx.clients.get(), ctx.notifier);
    const resubmit = async (localId: string) => {
      const old = await ctx.tasks.get(localId);
      return old ? retryTask(ctx, old) : undefined;
    };
    // One index of the workspace's images, which the Studio and the History gallery both show.
    const history = this._register(new ImageHistory(ctx.tasks, ctx.provenance));
    this._register(ctx.thumbnails.follow(history, ctx.log));
    const studio = new StudioFeature(ctx, resubmit, history);
    const edits = new EditDecisions(ctx);
    this._register(new Announcer({ ...ctx, compare: (entry) => edits.compare(entry) }));
    // Tasks that waited for a key (cleared, or not yet restored) go on as soon as one is set.
    // A task failed for its images: the links it sent are uploaded again by the next request (Retry).
    this._register(ctx.tasks.onDidChange((entry) => (entry.state === 'failed' && entry.error ? void ctx.uploads.forgetAfter(entry.error, sentLinks(entry.body)) : undefined)));
    this._register(ctx.apiKeys.onDidChange((present) => (present ? void ctx.tasks.keySet().catch((error: unknown) => ctx.log.error(`Resuming tasks failed: ${String(error)}`)) : undefined)));
    this._register(ctx.settings.onDidChange((settings) => void Promise.resolve().then(() => endpointsFrom(settings)).catch((error: unknown) => presentError(ctx, error))));
    const exportAs = this._register(new ExportAsCommand(ctx));
    const editors = this._register(new TextEditorInUse());
    this.features = {
      ctx,
      apiKey,
      generate: new GenerateCommand(ctx, apiKey, (preload) => studio.show(preload)),
      edit: new EditCommand({ ctx, apiKey, openStudio: (preload) => studio.show(preload) }),
      studio,
      history: this._register(
        new HistoryView({ ...ctx, extensionUri: ctx.extension.uri, history, openStudio: (preload) => studio.show(preload) }),
      ),
      edits,
      retry: async (localId) => {
        const entry = await resubmit(localId);
        return entry ? showProgress(ctx, entry, vscode.l10n.t('Generating with {0}', findModel(entry.body.model)?.label ?? entry.body.model), { open: !entry.editOf }) : undefined;
      },
      showTasks: (focusId) => showTasks(ctx, focusId),
      insertReference: (image) => insertImageReference({ ...ctx, editors }, image),
      drop: new ImageDropProvider(ctx.provenance),
      saveTaskTo: async (localId, folder) => {
        await ctx.tasks.saveElsewhere(localId, folder);
        return waitFor(ctx.tasks, localId, undefined);
      },
      openWalkthrough: async () => {
        await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${ctx.extension.id}#gettingStarted`, false);
      },
      moveSidecars: (confirmed) => moveSidecarsIntoIndex(ctx, confirmed),
      tasksView: this._register(new TasksView({ ...ctx, reopen: (localId) => edits.reopen(localId) })),
      exportAs,
      generateAsset: new GenerateAssetCommand(ctx, apiKey, exportAs),
      newRecipePreset: (args) => newRecipePreset(ctx.notifier, args),
    };
  }

  /** Runs a command of the table; failures are presented once, and Retry repeats it with its arguments. */
  run(id: CommandId, args: unknown[]): Promise<unknown> {
    const handler: (features: Features, ...rest: unknown[]) => unknown = commandTable[id];
    return runCommand(this.ctx, id, args, () => handler(this.features, ...args));
  }

  prepareImageTool(input: ImageToolInput): Promise<vscode.PreparedToolInvocation> {
    return prepareImageTool(this.ctx, input);
  }

  invokeImageTool(input: ImageToolInput, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    return invokeImageTool(this.ctx, input, token);
  }
}
