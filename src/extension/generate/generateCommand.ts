import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { findModel } from '../../common/models';
import type { RequestStep } from '../../common/wizardPlan';
import { pickRequestOptions, type PartialRequestOptions, type RequestOptions } from '../../common/requestOptions';
import type { ApiKeyCommands } from '../auth/apiKeyCommands';
import type { AppContext } from '../context';
import { notSentCode, planIssues, refusal, submitPlan } from '../submit/submit';
import type { StudioPreload } from '../studio/studioPanel';
import { showProgress } from '../tasks/progress';
import { ChoiceMemory } from '../ui/choiceMemory';
import { draftOptions, studioButtonId } from '../ui/requestSteps';
import { displayPath } from '../ui/paths';
import { chooseTargetFolder } from '../ui/target';
import { insideWorkspace } from '../ui/workspaceFiles';
import type { ShownStep } from '../ui/wizard';
import { runGenerateWizard } from './generateWizard';

/** What automation and tests may pass to `evolink.generateImage` to skip the questions. */
export interface GenerateArgs extends PartialRequestOptions {
  /** A folder URI string for the results. */
  folder?: string;
  /** Do not open the results (tests, batch use). */
  quiet?: boolean;
  /** Accept a folder outside the workspace (honoured only under the tests, whose file systems of their own are no workspace folders). */
  anyFolder?: boolean;
}

/** The steps that options given in advance answer; a given prompt answers all but the model (automation, tests). */
export function skippedSteps(given: PartialRequestOptions): Set<RequestStep> {
  if (given.prompt !== undefined) return new Set(['prompt', 'size', 'count']);
  const skip = new Set<RequestStep>();
  if (given.size !== undefined) skip.add('size');
  if (given.n !== undefined || given.quality !== undefined) skip.add('count');
  return skip;
}

/**
 * The folder a caller passed, once it is known to lie in the workspace: any code may call the
 * command, and paid results must not be written wherever a URI points (another project, a
 * folder of the system, through a symbolic link out of the workspace). Refused before anything
 * is sent.
 */
async function givenFolder(folder: unknown): Promise<vscode.Uri> {
  const uri = typeof folder === 'string' && folder !== '' ? vscode.Uri.parse(folder) : undefined;
  const inside = uri ? await insideWorkspace(uri) : undefined;
  if (inside) return inside;
  const shown = typeof folder === 'string' ? (uri ? displayPath(uri) : folder) : String(folder);
  throw new EvoLinkError('invalidRequest', vscode.l10n.t('The folder {0} is not inside the workspace, so nothing was generated. Choose a folder of the open workspace.', shown), { param: 'folder', code: notSentCode });
}

/** `EvoLink: Generate Image...` and what follows it. */
export class GenerateCommand {
  private readonly memory: ChoiceMemory;
  /** The steps the wizard showed, in order (tests follow the quick input with it). */
  readonly shown: ShownStep[] = [];

  constructor(
    private readonly ctx: AppContext,
    private readonly apiKey: ApiKeyCommands,
    private readonly openStudio: (preload: StudioPreload) => Promise<void>,
  ) {
    this.memory = new ChoiceMemory(ctx.globalState, 'generate');
  }

  /** Asks for what is missing, checks it, submits, and shows the task's progress until it ends. */
  async run(args: GenerateArgs = {}): Promise<LedgerEntry | undefined> {
    // A folder outside the workspace is refused before anything is asked.
    const given = args.folder ? (args.anyFolder === true ? vscode.Uri.parse(args.folder) : await givenFolder(args.folder)) : undefined;
    const key = await this.apiKey.getOrPrompt();
    if (!key) return undefined;
    const options = await this.collect(args);
    if (!options) return undefined;
    // Refused before anything is sent: no credit is spent.
    const issues = planIssues({ options, references: [] });
    if (issues.length > 0) throw refusal(issues);
    const folder = given ?? (await chooseTargetFolder());
    if (!folder) return undefined;
    const entry = await submitPlan(this.ctx, { options, references: [], target: folder });
    await this.memory.remember(options);
    const label = findModel(options.model)?.label ?? options.model;
    return showProgress(this.ctx, entry, vscode.l10n.t('Generating with {0}', label), { open: args.quiet !== true });
  }

  private async collect(args: GenerateArgs): Promise<RequestOptions | undefined> {
    const given = pickRequestOptions(args);
    const model = given.model !== undefined ? findModel(given.model) : undefined;
    // An unknown model is refused by the check, with the models there are.
    if (given.model !== undefined && !model) return { ...given, model: given.model, prompt: given.prompt ?? '' };
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : '';
    const skip = skippedSteps(given);
    const { result, draft } = await runGenerateWizard({
      memory: this.memory,
      defaultModel: this.ctx.settings.current.defaultModel,
      prompt: given.prompt ?? selection,
      ...(model ? { model } : {}),
      skip,
      onShow: (shown) => this.shown.push(shown),
    });
    if (result.kind === 'left' && result.button === studioButtonId) {
      await this.openStudio({ draft: { prompt: draft.prompt, model: draft.model.id } });
      return undefined;
    }
    if (result.kind !== 'done') return undefined;
    const asked = draftOptions(draft);
    // A step that was not asked leaves its option to what was given (or the model's default), not to a remembered answer.
    if (skip.has('size')) delete asked.size;
    if (skip.has('count')) {
      delete asked.n;
      delete asked.quality;
    }
    return { ...asked, ...given, model: draft.model.id, prompt: draft.prompt };
  }
}
