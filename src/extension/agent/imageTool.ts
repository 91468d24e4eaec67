import * as vscode from 'vscode';
import { describeMessage } from '../commands/errorPresenter';
import { isEvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { findModel, models } from '../../common/models';
import { checkRequest, describeIssue } from '../../common/request';
import { pickRequestOptions, type RequestOptions } from '../../common/requestOptions';
import { isActive, isOutcomeUnknown, readRefusal } from '../../common/taskState';
import { limitSetting, overLimitSentence } from '../budget/budget';
import type { AppContext } from '../context';
import { inspectLocalImage } from '../submit/localImages';
import { planIssues, submitPlan, type SubmitPlan } from '../submit/submit';
import { waitFor } from '../tasks/progress';
import { outputFolderInside } from '../ui/target';
import { workspacePath } from '../ui/workspaceFiles';
import { confirmationMarkdown, type ConfirmationRow } from './confirmationText';
import { ToolGate, type RequestClaim } from './recentRequests';
import { answer, relative, repeatAnswer } from './toolAnswers';
import { parseImageToolInput, requestKey, stableJson, type ImageToolInput } from './toolInput';

export type { ImageToolInput } from './toolInput';

/** A plan the agent's input makes, or why it cannot be carried out (in English, for the agent). */
type Plan = { ok: true; plan: SubmitPlan; reserved: number; n: number } | { ok: false; reason: string };

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

// Each window's gate: what the tool remembers between its calls lives as long as the window's context.
const gates = new WeakMap<AppContext, ToolGate>();

function gateOf(ctx: AppContext): ToolGate {
  let gate = gates.get(ctx);
  if (!gate) gates.set(ctx, (gate = new ToolGate((localId) => ctx.tasks.get(localId))));
  return gate;
}

/** Why an identical request is refused now (a sentence for the agent), or `undefined`. */
async function repeatRefusal(ctx: AppContext, input: ImageToolInput): Promise<string | undefined> {
  const repeat = await gateOf(ctx).repeat(requestKey(input, ctx.settings.current.defaultModel));
  return repeat ? repeatAnswer(repeat.verdict, repeat.entry) : undefined;
}

/** What the tool shows while it checks an input it will not ask the user to confirm (and will refuse). */
const checking = (): vscode.PreparedToolInvocation => ({ invocationMessage: vscode.l10n.t('Checking the image request') });

/**
 * The confirmation: first what the user decides on (model, cost, uploads, destination, the daily
 * limit), then the prompt, last and shortened, where text in it cannot pass for those lines.
 * Only an input shown here is carried out by `invokeImageTool`.
 */
export async function prepareImageTool(ctx: AppContext, raw: unknown): Promise<vscode.PreparedToolInvocation> {
  const parsed = parseImageToolInput(raw);
  if (!parsed.ok) return checking();
  const inputKey = stableJson(parsed.input);
  // An earlier confirmation of the same input (one the user declined, say) does not carry over.
  gateOf(ctx).noteConfirmation(inputKey, false);
  if (await repeatRefusal(ctx, parsed.input)) return checking();
  const planned = await plan(ctx, parsed.input);
  if (!planned.ok) return checking();
  const { options, references, target, editOf } = planned.plan;
  const label = findModel(options.model)?.label ?? options.model;
  const rows: ConfirmationRow[] = [
    { label: vscode.l10n.t('Model'), value: `${label} (${options.model})` },
    { label: vscode.l10n.t('Cost'), value: vscode.l10n.t('reserves {0} credits', planned.reserved) },
  ];
  if (references.length > 0) rows.push({ label: vscode.l10n.t('Images uploaded'), value: references.map((image) => relative(image.uri)).join(', ') });
  rows.push({ label: vscode.l10n.t('Saved in'), value: relative(target) });
  const budget = await ctx.budget.decide({ model: options.model, n: planned.n });
  if (budget.kind === 'over') {
    // The tool never sends over the limit: the user reads why here, the agent in the tool's answer.
    rows.push({ label: vscode.l10n.t('Daily limit'), value: `${overLimitSentence(budget)} ${vscode.l10n.t('It is not sent unless the daily limit ({0}) is raised.', limitSetting)}` });
  }
  const message = new vscode.MarkdownString(confirmationMarkdown(rows, { label: vscode.l10n.t('Prompt'), value: options.prompt }));
  gateOf(ctx).noteConfirmation(inputKey, true);
  return {
    invocationMessage: vscode.l10n.t('Generating an image with {0}', label),
    confirmationMessages: { title: editOf ? vscode.l10n.t('Edit an image with EvoLink?') : vscode.l10n.t('Generate an image with EvoLink?'), message },
  };
}

/** What the agent is told when `invoke` comes without a confirmation of the same input. */
async function unconfirmedAnswer(ctx: AppContext, input: ImageToolInput): Promise<string> {
  const repeated = await repeatRefusal(ctx, input);
  if (repeated) return repeated;
  const planned = await plan(ctx, input);
  if (!planned.ok) return planned.reason;
  return 'Nothing was sent: the user was not asked to confirm this request (every request costs credits and is confirmed first). Call the tool again with the same input so that the user is asked.';
}

/** Submits a confirmed plan and follows its task to its end, telling the claim what happens. */
async function submitAndWait(ctx: AppContext, planned: SubmitPlan, claim: RequestClaim, token: vscode.CancellationToken): Promise<string> {
  let entry: LedgerEntry;
  try {
    entry = await submitPlan(ctx, planned);
  } catch (error) {
    // Sent, perhaps, but not recorded: whether EvoLink took it is unknown, and a second send may be charged again.
    if (isEvoLinkError(error) && error.details.outcomeUnknown) {
      claim.sent();
      return `The request may have reached EvoLink, but the extension could not record it (${error.reason}: ${error.message}). Do not submit it again: that may be charged twice. Ask the user to look for it in their EvoLink dashboard.`;
    }
    claim.release();
    // The sentence a user is shown, which says what to do (a key not set for the address, say), not a bare detail.
    return `Nothing was generated (${isEvoLinkError(error) ? `${error.reason}): ${describeMessage(error) || error.message}` : 'unexpected error)'}`;
  }
  claim.sent(entry);
  const following = ctx.followers.follow(entry.localId, { by: 'agent' });
  try {
    // An unknown outcome is told at once: the agent must not submit again while it is checked. So
    // is a task whose reads wait for the user (a key, credits): it may wait hours, the chat need not.
    const final = await waitFor(ctx.tasks, entry.localId, token, (current) => isOutcomeUnknown(current.state) || !isActive(current.state) || readRefusal(current) !== undefined);
    if (final) claim.ended(final);
    return answer(final);
  } finally {
    following.dispose();
  }
}

/**
 * Runs the agent's request through the same checks, ledger and writer as every other entry
 * point, and answers the saved paths, or the reason nothing was done, for the agent to read.
 * Only an input the user was asked to confirm is sent, and not again while an identical
 * request runs or has just been made.
 */
export async function invokeImageTool(ctx: AppContext, raw: unknown, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
  const parsed = parseImageToolInput(raw);
  if (!parsed.ok) return text(parsed.reason);
  const input = parsed.input;
  const gate = gateOf(ctx);
  if (!gate.takeConfirmation(stableJson(input))) return text(await unconfirmedAnswer(ctx, input));
  const claimed = await gate.claim(requestKey(input, ctx.settings.current.defaultModel));
  if ('refused' in claimed) return text(repeatAnswer(claimed.refused.verdict, claimed.refused.entry));
  const { claim } = claimed;
  let handedOn = false;
  try {
    const planned = await plan(ctx, input);
    if (!planned.ok) return text(planned.reason);
    if (!(await ctx.apiKeys.has())) return text('No EvoLink API key is set. Ask the user to run "EvoLink: Set API Key" first.');
    handedOn = true;
    return text(await submitAndWait(ctx, planned.plan, claim, token));
  } finally {
    // Nothing was sent: an identical request may be made again at once.
    if (!handedOn) claim.release();
  }
}

/** The model ids the tool offers (the manifest's enum must match; a test checks it). */
export const toolModels = models.map((model) => model.id);
