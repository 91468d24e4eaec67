import * as vscode from 'vscode';
import { EvoLinkError, isEvoLinkError } from '../../common/errors';
import { findModel, models } from '../../common/models';
import { checkRequest, describeIssue, type GenerationRequest } from '../../common/request';
import { inspectLocalImage } from '../references/localImages';
import { localImageIssues, shapeIssues, type LocalInputs } from '../references/submit';
import type { LedgerEntry } from '../tasks/ledger';
import type { TaskService } from '../tasks/taskService';
import { outputFolderOf } from '../tasks/writer';

/** What an agent passes (validated by VS Code against the contributed schema). */
export interface ImageToolInput {
  prompt: string;
  model?: string;
  size?: string;
  n?: number;
  quality?: string;
  /** A workspace folder path for new images; the output folder setting when absent. */
  folder?: string;
  /** Workspace paths of images to edit or use as references; results go beside the first. */
  sourceImages?: string[];
}

export interface ImageToolDeps {
  tasks: TaskService;
  submit: (request: GenerationRequest, inputs: LocalInputs, target: vscode.Uri) => Promise<LedgerEntry>;
  settings: () => { outputFolder: string; defaultModel: string };
  hasApiKey: () => Promise<boolean>;
}

/** A plan the agent's input makes, or why it cannot be carried out (in English, for the agent). */
type Plan = { ok: true; request: GenerationRequest; inputs: LocalInputs; target: vscode.Uri; reserved: number } | { ok: false; reason: string };

/**
 * A path an agent gave, inside the workspace or not at all: relative to the (first, or named)
 * workspace folder, or absolute within one. `..` cannot lead out.
 */
export function workspacePath(path: string): vscode.Uri | undefined {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) return undefined;
  const isAbsolute = /^([a-zA-Z]:[\\/]|\/)/.test(path);
  let uri: vscode.Uri;
  if (isAbsolute) {
    uri = folders[0]!.uri.with({ path: path.replace(/\\/g, '/').replace(/^([a-zA-Z]:)/, '/$1') });
  } else {
    const parts = path.split(/[\\/]+/).filter((part) => part && part !== '.');
    const named = folders.length > 1 ? folders.find((folder) => folder.name === parts[0]) : undefined;
    uri = vscode.Uri.joinPath((named ?? folders[0]!).uri, ...(named ? parts.slice(1) : parts));
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  // joinPath normalizes `..`; what is left must still lie under the folder.
  if (!folder || (uri.path !== folder.uri.path && !uri.path.startsWith(`${folder.uri.path.replace(/\/$/, '')}/`))) return undefined;
  return uri;
}

const relative = (uri: vscode.Uri): string => vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);

/** Checks an agent's request the way every entry point does, and resolves where it goes. */
async function plan(deps: ImageToolDeps, input: ImageToolInput): Promise<Plan> {
  if ((vscode.workspace.workspaceFolders ?? []).length === 0) return { ok: false, reason: 'No workspace folder is open: open a folder first, the images are saved into it.' };
  const sources: vscode.Uri[] = [];
  for (const path of input.sourceImages ?? []) {
    const uri = workspacePath(path);
    if (!uri) return { ok: false, reason: `${path} is outside the workspace; only images in the workspace can be used.` };
    sources.push(uri);
  }
  const model = input.model ?? deps.settings().defaultModel;
  const request: GenerationRequest = { model, prompt: input.prompt };
  if (input.size !== undefined) request.size = input.size;
  if (input.n !== undefined) request.n = input.n;
  if (input.quality !== undefined) request.quality = input.quality;
  const inputs: LocalInputs = { references: sources };
  const shape = shapeIssues(request, inputs);
  if (shape.length > 0) return { ok: false, reason: `The request would be refused: ${shape.map(describeIssue).join(' ')}` };
  if (sources.length > 0) {
    let images;
    try {
      images = await Promise.all(sources.map((uri) => inspectLocalImage(uri)));
    } catch (error) {
      return { ok: false, reason: `A source image cannot be read: ${error instanceof Error ? error.message : String(error)}` };
    }
    const issues = localImageIssues(model, images);
    if (issues.length > 0) return { ok: false, reason: `The source images would be refused: ${issues.map(describeIssue).join(' ')}` };
  }
  let target: vscode.Uri;
  if (sources[0]) {
    target = vscode.Uri.joinPath(sources[0], '..');
    inputs.editOf = sources[0];
  } else if (input.folder !== undefined) {
    const folder = workspacePath(input.folder);
    if (!folder) return { ok: false, reason: `${input.folder} is outside the workspace; choose a folder inside it.` };
    target = folder;
  } else {
    target = outputFolderOf(vscode.workspace.workspaceFolders![0]!.uri, deps.settings().outputFolder);
  }
  const checked = checkRequest(request);
  return { ok: true, request, inputs, target, reserved: checked.ok ? checked.checked.reservedCredits : 0 };
}

const text = (value: string): vscode.LanguageModelToolResult => new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(value)]);

/** The confirmation: the prompt, the model, the cost and where the images go. */
export async function prepareImageTool(deps: ImageToolDeps, input: ImageToolInput): Promise<vscode.PreparedToolInvocation> {
  const planned = await plan(deps, input);
  if (!planned.ok) return { invocationMessage: vscode.l10n.t('Checking the image request') };
  const label = findModel(planned.request.model)?.label ?? planned.request.model;
  const message = new vscode.MarkdownString();
  message.appendMarkdown(`**${vscode.l10n.t('Prompt')}:** `).appendText(planned.request.prompt).appendMarkdown('\n\n');
  message.appendMarkdown(`**${vscode.l10n.t('Model')}:** `).appendText(`${label} (${planned.request.model})`).appendMarkdown('\n\n');
  message.appendMarkdown(`**${vscode.l10n.t('Cost')}:** `).appendText(vscode.l10n.t('reserves {0} credits', planned.reserved)).appendMarkdown('\n\n');
  if (planned.inputs.references.length > 0) {
    message.appendMarkdown(`**${vscode.l10n.t('Images uploaded')}:** `).appendText(planned.inputs.references.map(relative).join(', ')).appendMarkdown('\n\n');
  }
  message.appendMarkdown(`**${vscode.l10n.t('Saved in')}:** `).appendText(relative(planned.target));
  return {
    invocationMessage: vscode.l10n.t('Generating an image with {0}', label),
    confirmationMessages: { title: planned.inputs.editOf ? vscode.l10n.t('Edit an image with EvoLink?') : vscode.l10n.t('Generate an image with EvoLink?'), message },
  };
}

const ends = new Set(['saved', 'failed', 'saveFailed', 'expired', 'stopped']);

/** Waits for a task to end; on cancellation it stops watching (the task goes on at EvoLink). */
function waitForEnd(tasks: TaskService, entry: LedgerEntry, token: vscode.CancellationToken): Promise<LedgerEntry | undefined> {
  return new Promise((resolve) => {
    const done = (value: LedgerEntry | undefined): void => {
      subscription.dispose();
      cancel.dispose();
      resolve(value);
    };
    const subscription = tasks.onDidChange((changed) => {
      if (changed.localId === entry.localId && ends.has(changed.state)) done(changed);
    });
    const cancel = token.onCancellationRequested(() => {
      void tasks.stopWatching(entry.localId);
      done(undefined);
    });
    void tasks.get(entry.localId).then((current) => {
      if (current && ends.has(current.state)) done(current);
    });
  });
}

/**
 * Runs the agent's request through the same checks, ledger and writer as every other entry
 * point, and answers the saved paths, or the reason nothing was done, for the agent to read.
 */
export async function invokeImageTool(deps: ImageToolDeps, input: ImageToolInput, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
  const planned = await plan(deps, input);
  if (!planned.ok) return text(planned.reason);
  if (!(await deps.hasApiKey())) return text('No EvoLink API key is set. Ask the user to run "EvoLink: Set API Key" first.');
  let entry: LedgerEntry;
  try {
    entry = await deps.submit(planned.request, planned.inputs, planned.target);
  } catch (error) {
    const problem = isEvoLinkError(error) ? error : new EvoLinkError('invalidResponse', String(error));
    return text(`Nothing was generated (${problem.reason}): ${problem.message}`);
  }
  const final = await waitForEnd(deps.tasks, entry, token);
  if (!final) return text('Stopped waiting. The task keeps running at EvoLink; its images are saved when it completes (see "EvoLink: Show Tasks").');
  if (final.state === 'saved') {
    const saved = (final.saved ?? []).filter((uri): uri is string => Boolean(uri)).map((uri) => relative(vscode.Uri.parse(uri)));
    const used = final.creditsUsed !== undefined ? ` ${final.creditsUsed} credits used.` : '';
    return text(`Saved ${saved.length} image(s): ${saved.join(', ')}.${used} Each has a provenance file <image>.evolink.json beside it.`);
  }
  return text(`The task ended as ${final.state}: ${final.error ? [final.error.code, final.error.message].filter(Boolean).join(': ') : 'no detail'}.`);
}

/** The model ids the tool offers (the manifest's enum must match; a test checks it). */
export const toolModels = models.map((model) => model.id);
