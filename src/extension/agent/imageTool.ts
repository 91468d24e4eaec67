import * as vscode from 'vscode';
import { isEvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { findModel, models } from '../../common/models';
import { checkRequest, describeIssue } from '../../common/request';
import { pickRequestOptions, type PartialRequestOptions, type RequestOptions } from '../../common/requestOptions';
import { isActive, isOutcomeUnknown, savedFiles } from '../../common/taskState';
import { limitSetting, overLimitSentence } from '../budget/budget';
import type { AppContext } from '../context';
import { inspectLocalImage } from '../submit/localImages';
import { planIssues, submitPlan, type SubmitPlan } from '../submit/submit';
import { waitFor } from '../tasks/progress';
import { outputFolderInside } from '../ui/target';
import { workspacePath } from '../ui/workspaceFiles';

/** What an agent passes (validated by VS Code against the contributed schema). */
export interface ImageToolInput extends PartialRequestOptions {
  prompt: string;
  /** A workspace folder path for new images; the output folder setting when absent. */
  folder?: string;
  /** Workspace paths of images to edit or use as references; results go beside the first. */
  sourceImages?: string[];
}

/** A plan the agent's input makes, or why it cannot be carried out (in English, for the agent). */
type Plan = { ok: true; plan: SubmitPlan; reserved: number; n: number } | { ok: false; reason: string };

const relative = (uri: vscode.Uri): string => vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);

/** Checks an agent's request the way every entry point does, and resolves where it goes. */
async function plan(ctx: AppContext, input: ImageToolInput): Promise<Plan> {
  if ((vscode.workspace.workspaceFolders ?? []).length === 0) return { ok: false, reason: 'No workspace folder is open: open a folder first, the images are saved into it.' };
  const sources: vscode.Uri[] = [];
  for (const path of input.sourceImages ?? []) {
    const uri = await workspacePath(path);
    if (!uri) return { ok: false, reason: `${path} is outside the workspace; only images in the workspace can be used.` };
    sources.push(uri);
  }
  const options: RequestOptions = { ...pickRequestOptions(input), model: input.model ?? ctx.settings.current.defaultModel, prompt: input.prompt };
  let references;
  try {
    references = await Promise.all(sources.map((uri) => inspectLocalImage(uri)));
  } catch (error) {
    return { ok: false, reason: `A source image cannot be read: ${isEvoLinkError(error) ? error.message : 'unreadable'}` };
  }
  const issues = planIssues({ options, references });
  if (issues.length > 0) return { ok: false, reason: `The request would be refused: ${issues.map(describeIssue).join(' ')}` };
  let target: vscode.Uri;
  let editOf: vscode.Uri | undefined;
  if (sources[0]) {
    target = vscode.Uri.joinPath(sources[0], '..');
    editOf = sources[0];
  } else if (input.folder !== undefined) {
    const folder = await workspacePath(input.folder);
    if (!folder) return { ok: false, reason: `${input.folder} is outside the workspace; choose a folder inside it.` };
    target = folder;
  } else {
    try {
      target = await outputFolderInside(vscode.workspace.workspaceFolders![0]!);
    } catch (error) {
      // A setting that leaves the workspace folder: the agent reads what to change.
      if (isEvoLinkError(error, 'configuration')) return { ok: false, reason: error.message };
      throw error;
    }
  }
  const checked = checkRequest(options);
  // Over the daily credit limit the tool refuses with a sentence for the agent: a modal would stop the chat.
  const overLimit = 'refuse' as const;
  return { ok: true, plan: { options, references, target, overLimit, ...(editOf ? { editOf } : {}) }, reserved: checked.ok ? checked.checked.reservedCredits : 0, n: checked.ok ? checked.checked.body.n : 1 };
}

const text = (value: string): vscode.LanguageModelToolResult => new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(value)]);

/** The confirmation: the prompt, the model, the cost and where the images go. */
export async function prepareImageTool(ctx: AppContext, input: ImageToolInput): Promise<vscode.PreparedToolInvocation> {
  const planned = await plan(ctx, input);
  if (!planned.ok) return { invocationMessage: vscode.l10n.t('Checking the image request') };
  const { options, references, target, editOf } = planned.plan;
  const label = findModel(options.model)?.label ?? options.model;
  const message = new vscode.MarkdownString();
  message.appendMarkdown(`**${vscode.l10n.t('Prompt')}:** `).appendText(options.prompt).appendMarkdown('\n\n');
  message.appendMarkdown(`**${vscode.l10n.t('Model')}:** `).appendText(`${label} (${options.model})`).appendMarkdown('\n\n');
  message.appendMarkdown(`**${vscode.l10n.t('Cost')}:** `).appendText(vscode.l10n.t('reserves {0} credits', planned.reserved)).appendMarkdown('\n\n');
  if (references.length > 0) {
    message.appendMarkdown(`**${vscode.l10n.t('Images uploaded')}:** `).appendText(references.map((image) => relative(image.uri)).join(', ')).appendMarkdown('\n\n');
  }
  message.appendMarkdown(`**${vscode.l10n.t('Saved in')}:** `).appendText(relative(target));
  const budget = await ctx.budget.decide({ model: options.model, n: planned.n });
  if (budget.kind === 'over') {
    // The tool never sends over the limit: the user reads why here, the agent in the tool's answer.
    const warning = `${overLimitSentence(budget)} ${vscode.l10n.t('It is not sent unless the daily limit ({0}) is raised.', limitSetting)}`;
    message.appendMarkdown('\n\n').appendMarkdown(`**${vscode.l10n.t('Daily limit')}:** `).appendText(warning);
  }
  return {
    invocationMessage: vscode.l10n.t('Generating an image with {0}', label),
    confirmationMessages: { title: editOf ? vscode.l10n.t('Edit an image with EvoLink?') : vscode.l10n.t('Generate an image with EvoLink?'), message },
  };
}

/** What the agent is told about a task that is no longer followed to its end. */
function answer(entry: LedgerEntry | undefined): string {
  if (!entry) return 'Stopped waiting. The task keeps running at EvoLink; its images are saved into the workspace when it completes (see "EvoLink: Show Tasks").';
  if (isOutcomeUnknown(entry.state)) {
    return 'The request may have been submitted: EvoLink did not confirm it. The extension asks again with the same idempotency key, which EvoLink answers with the task it already has, and saves the images if EvoLink has it. Do not submit it again; the user can see it in "EvoLink: Show Tasks".';
  }
  const saved = savedFiles(entry).map((uri) => relative(vscode.Uri.parse(uri)));
  // Where some of a task's images were saved before the rest failed or expired: which, for the agent to use.
  const some = saved.length > 0 ? ` ${saved.length} of its ${entry.resultUrls?.length ?? saved.length} image(s) were saved: ${saved.join(', ')}.` : '';
  switch (entry.state) {
    case 'saved': {
      const used = entry.creditsUsed !== undefined ? ` ${entry.creditsUsed} credits used.` : '';
      return `Saved ${saved.length} image(s): ${saved.join(', ')}.${used} Their prompt and settings are recorded in the workspace's EvoLink history (.evolink/history.jsonl in the workspace folder, unless the setting evolink.provenance keeps them elsewhere).`;
    }
    case 'saveFailed':
      return `The images were generated but not all saved yet (${entry.error?.code ?? entry.error?.reason ?? 'error'}); the user can save them from "EvoLink: Show Tasks".${some} Do not submit it again.`;
    case 'cancelled':
      return `EvoLink cancelled the task (${entry.error?.code ?? 'request_cancelled'}). Submit it again only if the user still wants it.`;
    case 'stopped':
      // Not followed closely any more, yet it may still finish at EvoLink, and is paid then.
      if (entry.attention === 'userStopped') {
        return 'The user stopped watching the task. It still runs at EvoLink and is charged when it completes; its images can be saved from "EvoLink: Show Tasks" within 24 hours. Do not submit it again: that would be charged a second time.';
      }
      if (entry.attention === 'notFound') {
        return 'EvoLink answered twice that it does not know the task. The user can check it again later from "EvoLink: Show Tasks". Do not submit it again before they have: it may still have been made, and a second request would be charged too.';
      }
      return 'The task is still running at EvoLink (it takes longer than expected, or could not be read for a while). The extension looks at it again every few minutes and saves its images into the workspace when it completes; the user can check it in "EvoLink: Show Tasks". Do not submit it again: that would be charged a second time.';
    case 'expired':
      return `The result links expired before all the images were saved (EvoLink keeps them 24 hours); nothing more can be saved from this task.${some}`;
    default:
      return `The task ended as ${entry.state}: ${entry.error ? [entry.error.code, entry.error.message].filter(Boolean).join(': ') : 'no detail'}.`;
  }
}

/**
 * Runs the agent's request through the same checks, ledger and writer as every other entry
 * point, and answers the saved paths, or the reason nothing was done, for the agent to read.
 */
export async function invokeImageTool(ctx: AppContext, input: ImageToolInput, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
  const planned = await plan(ctx, input);
  if (!planned.ok) return text(planned.reason);
  if (!(await ctx.apiKeys.has())) return text('No EvoLink API key is set. Ask the user to run "EvoLink: Set API Key" first.');
  let entry: LedgerEntry;
  try {
    entry = await submitPlan(ctx, planned.plan);
  } catch (error) {
    // Sent, perhaps, but not recorded: whether EvoLink took it is unknown, and a second send may be charged again.
    if (isEvoLinkError(error) && error.details.outcomeUnknown) {
      return text(`The request may have reached EvoLink, but the extension could not record it (${error.reason}: ${error.message}). Do not submit it again: that may be charged twice. Ask the user to look for it in their EvoLink dashboard.`);
    }
    return text(`Nothing was generated (${isEvoLinkError(error) ? `${error.reason}): ${error.message}` : 'unexpected error)'}`);
  }
  const following = ctx.followers.follow(entry.localId, { by: 'agent' });
  try {
    // An unknown outcome is told at once: the agent must not submit again while it is checked.
    return text(answer(await waitFor(ctx.tasks, entry.localId, token, (current) => isOutcomeUnknown(current.state) || !isActive(current.state))));
  } finally {
    following.dispose();
  }
}

/** The model ids the tool offers (the manifest's enum must match; a test checks it). */
export const toolModels = models.map((model) => model.id);
