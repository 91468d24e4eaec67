import * as vscode from 'vscode';
import { adviceFor } from '../../common/taskErrors';
import { findModel, models, type ModelSpec } from '../../common/models';
import { checkRequest, type GenerationRequest } from '../../common/request';
import { EvoLinkError } from '../../common/errors';
import type { ApiKeyCommands } from '../auth/apiKeyCommands';
import type { LedgerEntry } from '../tasks/ledger';
import type { TaskService } from '../tasks/taskService';
import { localizeIssue } from './issues';
import { chooseTargetFolder } from './target';
import { askPrompt, credits, modelDetail, pickCount, pickSize } from './pickers';

/** What automation and tests may pass to `evolink.generateImage` to skip the questions. */
export interface GenerateArgs {
  prompt?: string;
  model?: string;
  size?: string;
  n?: number;
  quality?: string;
  promptPriority?: string;
  /** A folder URI string for the results. */
  folder?: string;
  /** Do not open the results (tests, batch use). */
  quiet?: boolean;
}

/** The settings the flow reads. */
export interface GenerateSettings {
  outputFolder: string;
  defaultModel: string;
}

const terminal = new Set(['saved', 'failed', 'expired', 'saveFailed', 'stopped']);

/** A folder as the user knows it: relative to the workspace, or the workspace folder's name. */
function folderName(folder: vscode.Uri): string {
  const root = vscode.workspace.getWorkspaceFolder(folder);
  if (root && root.uri.toString() === folder.toString()) return root.name;
  return vscode.workspace.asRelativePath(folder);
}

/** `EvoLink: Generate Image...` and what follows it. */
export class GenerateCommand {
  /** Tasks whose progress a command is showing; the others are announced when they end. */
  readonly following = new Set<string>();

  constructor(
    private readonly tasks: TaskService,
    private readonly apiKey: ApiKeyCommands,
    private readonly settings: () => GenerateSettings,
  ) {}

  /** Asks for what is missing, checks it, submits, and follows the task to its saved files. */
  async run(args: GenerateArgs = {}): Promise<LedgerEntry | undefined> {
    const key = await this.apiKey.getOrPrompt();
    if (!key) return undefined;
    const request = await this.collect(args);
    if (!request) return undefined;
    const checked = checkRequest(request);
    if (!checked.ok) {
      // Refused before anything is sent: no credit is spent.
      throw new EvoLinkError('invalidRequest', checked.issues.map(localizeIssue).join(' '), { param: checked.issues[0]?.param });
    }
    const folder = args.folder ? vscode.Uri.parse(args.folder) : await chooseTargetFolder(this.settings().outputFolder);
    if (!folder) return undefined;
    const entry = await this.tasks.submit(checked.checked, request, folder);
    this.following.add(entry.localId);
    try {
      return await this.follow(entry, checked.checked.model, args.quiet === true);
    } finally {
      this.following.delete(entry.localId);
    }
  }

  private async collect(args: GenerateArgs): Promise<GenerationRequest | undefined> {
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : '';
    let prompt = args.prompt;
    if (prompt === undefined) {
      // Every model takes at most 2000 characters; the model is chosen next, and checks again.
      prompt = await askPrompt({
        title: vscode.l10n.t('Generate Image (1/3): Prompt'),
        prompt: vscode.l10n.t('Describe the image'),
        value: selection,
        empty: vscode.l10n.t('Describe the image you want.'),
        max: Math.max(...models.map((spec) => spec.promptMaxLength)),
      });
      if (prompt === undefined) return undefined;
    }
    let model = args.model ? findModel(args.model) : undefined;
    if (args.model && !model) {
      return { model: args.model, prompt };
    }
    if (!model) {
      const preferred = this.settings().defaultModel;
      const items = models.map((spec) => ({ label: spec.label, description: spec.id, detail: modelDetail(spec), spec, picked: spec.id === preferred }));
      items.sort((a, b) => Number(b.picked) - Number(a.picked));
      const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Generate Image (2/3): Model'), ignoreFocusOut: true, matchOnDescription: true });
      if (!picked) return undefined;
      model = picked.spec;
    }
    const request: GenerationRequest = { model: model.id, prompt };
    if (args.size !== undefined || args.n !== undefined || args.quality !== undefined || args.promptPriority !== undefined || args.prompt !== undefined) {
      if (args.size !== undefined) request.size = args.size;
      if (args.n !== undefined) request.n = args.n;
      if (args.quality !== undefined) request.quality = args.quality;
      if (args.promptPriority !== undefined) request.promptPriority = args.promptPriority;
      return request;
    }
    const size = await pickSize(model, vscode.l10n.t('Generate Image: Size'));
    if (size === undefined) return undefined;
    request.size = size;
    const count = await pickCount(model, vscode.l10n.t('Generate Image (3/3): How many'));
    if (!count) return undefined;
    request.n = count.n;
    if (count.quality) request.quality = count.quality;
    return request;
  }

  /** Shows the task's progress until it is saved, fails, or the user stops watching. */
  async follow(entry: LedgerEntry, model: ModelSpec, quiet: boolean): Promise<LedgerEntry | undefined> {
    const final = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Generating with {0}', model.label),
        cancellable: true,
      },
      (progress, token) =>
        new Promise<LedgerEntry | undefined>((resolve) => {
          let reported = 0;
          progress.report({ message: vscode.l10n.t('submitted; reserves {0} credits', credits(entry.creditsReserved ?? 0)) });
          const done = (value: LedgerEntry | undefined): void => {
            subscription.dispose();
            cancel.dispose();
            resolve(value);
          };
          const subscription = this.tasks.onDidChange((changed) => {
            if (changed.localId !== entry.localId) return;
            if (terminal.has(changed.state)) {
              done(changed);
              return;
            }
            const increment = Math.max(0, changed.progress - reported);
            reported = Math.max(reported, changed.progress);
            const elapsed = (Date.now() - changed.createdAt) / 1000;
            const eta = changed.progress > 5 ? (elapsed * (100 - changed.progress)) / changed.progress : Math.max(0, changed.estimatedSeconds - elapsed);
            const message =
              changed.state === 'completed'
                ? vscode.l10n.t('saving…')
                : vscode.l10n.t('{0}% · about {1} s left', changed.progress, Math.max(1, Math.round(eta)));
            progress.report({ increment, message });
          });
          const cancel = token.onCancellationRequested(() => {
            void this.tasks.stopWatching(entry.localId);
            void vscode.window.showInformationMessage(
              vscode.l10n.t('Stopped watching the task. It keeps running at EvoLink and stays in "EvoLink: Show Tasks", where you can check it again.'),
            );
            done(undefined);
          });
          // The task may have finished before the listener was attached.
          void this.tasks.get(entry.localId).then((current) => {
            if (current && terminal.has(current.state)) done(current);
          });
        }),
    );
    if (final) await this.report(final, quiet);
    return final;
  }

  /** Shows a message without waiting for it to be dismissed; runs the action picked, if any. */
  private notify(kind: 'info' | 'warning' | 'error', message: string, actions: { title: string; run: () => unknown }[] = []): void {
    const show = kind === 'info' ? vscode.window.showInformationMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    void show(message, ...actions.map((action) => action.title)).then((picked) => actions.find((action) => action.title === picked)?.run());
  }

  /** Announces the end of a task no command is following (resumed after a restart, or no longer watched). */
  announce(entry: LedgerEntry): void {
    if (this.following.has(entry.localId)) return;
    if (entry.state === 'saved') {
      const files = (entry.saved ?? []).filter((uri): uri is string => Boolean(uri)).map((uri) => vscode.Uri.parse(uri));
      this.notify('info', vscode.l10n.t('Saved {0} image(s) from an earlier request: "{1}".', files.length, entry.request.prompt.slice(0, 60)), [
        { title: vscode.l10n.t('Open'), run: () => files[0] && vscode.commands.executeCommand('vscode.open', files[0]) },
        { title: vscode.l10n.t('Reveal in Explorer'), run: () => files[0] && vscode.commands.executeCommand('revealInExplorer', files[0]) },
      ]);
    } else if (entry.state !== 'stopped') {
      void this.report(entry, true);
    }
  }

  private async report(entry: LedgerEntry, quiet: boolean): Promise<void> {
    if (entry.state === 'saved') {
      const files = (entry.saved ?? []).filter((uri): uri is string => Boolean(uri)).map((uri) => vscode.Uri.parse(uri));
      if (!quiet && files[0]) {
        await vscode.commands.executeCommand('vscode.open', files[0], { preview: false, viewColumn: vscode.ViewColumn.Beside });
        await vscode.commands.executeCommand('revealInExplorer', files[0]).then(undefined, () => undefined);
      }
      const used = entry.creditsUsed !== undefined ? vscode.l10n.t(' {0} credits used.', credits(entry.creditsUsed)) : '';
      const text = vscode.l10n.t('Saved {0} image(s) to {1}.', files.length, folderName(vscode.Uri.parse(entry.targetFolder))) + used;
      const editor = vscode.window.activeTextEditor;
      const canInsert = editor !== undefined && files[0] !== undefined;
      this.notify('info', text, canInsert ? [{ title: vscode.l10n.t('Insert Reference'), run: () => vscode.commands.executeCommand('evolink.insertImageReference', files[0]) }] : []);
      return;
    }
    if (entry.state === 'failed' && entry.error) {
      const code = entry.error.code ?? 'unknown_error';
      const advice = adviceFor(code);
      const hint =
        advice.advice === 'changeInput'
          ? vscode.l10n.t('Change the prompt or the image, then try again.')
          : advice.advice === 'no'
            ? vscode.l10n.t('Trying again as is will not help.')
            : advice.advice === 'later'
              ? vscode.l10n.t('Try again in about {0} s.', advice.waitSeconds ?? 60)
              : vscode.l10n.t('Try again.');
      const canRetry = advice.advice === 'now' || advice.advice === 'later';
      this.notify(
        'error',
        vscode.l10n.t('The image task failed ({0}): {1} {2} Reserved credits are returned for failed tasks.', code, entry.error.message, hint),
        canRetry ? [{ title: vscode.l10n.t('Retry'), run: () => vscode.commands.executeCommand('evolink.retryTask', entry.localId) }] : [],
      );
      return;
    }
    if (entry.state === 'saveFailed') {
      this.notify('error', vscode.l10n.t('The images were generated but could not be saved ({0}). They are kept; choose another folder.', entry.error?.message ?? ''), [
        { title: vscode.l10n.t('Save to Another Folder'), run: () => vscode.commands.executeCommand('evolink.showTasks', entry.localId) },
      ]);
      return;
    }
    if (entry.state === 'expired') {
      this.notify('error', vscode.l10n.t('The result links expired before the images were saved (EvoLink keeps them 24 hours).'));
      return;
    }
    if (entry.state === 'stopped') {
      this.notify('warning', vscode.l10n.t('The task is taking longer than expected. It stays in "EvoLink: Show Tasks"; check it again later.'));
    }
  }
}
