import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { findModel, models } from '../../common/models';
import { pickRequestOptions, type PartialRequestOptions, type RequestOptions } from '../../common/requestOptions';
import type { ApiKeyCommands } from '../auth/apiKeyCommands';
import type { AppContext } from '../context';
import { planIssues, refusal, submitPlan } from '../submit/submit';
import { showProgress } from '../tasks/progress';
import { askPrompt, modelDetail, pickCount, pickSize } from '../ui/pickers';
import { chooseTargetFolder } from '../ui/target';

/** What automation and tests may pass to `evolink.generateImage` to skip the questions. */
export interface GenerateArgs extends PartialRequestOptions {
  /** A folder URI string for the results. */
  folder?: string;
  /** Do not open the results (tests, batch use). */
  quiet?: boolean;
}

/** `EvoLink: Generate Image...` and what follows it. */
export class GenerateCommand {
  constructor(
    private readonly ctx: AppContext,
    private readonly apiKey: ApiKeyCommands,
  ) {}

  /** Asks for what is missing, checks it, submits, and shows the task's progress until it ends. */
  async run(args: GenerateArgs = {}): Promise<LedgerEntry | undefined> {
    const key = await this.apiKey.getOrPrompt();
    if (!key) return undefined;
    const options = await this.collect(args);
    if (!options) return undefined;
    // Refused before anything is sent: no credit is spent.
    const issues = planIssues({ options, references: [] });
    if (issues.length > 0) throw refusal(issues);
    const folder = args.folder ? vscode.Uri.parse(args.folder) : await chooseTargetFolder(this.ctx.settings.current.outputFolder);
    if (!folder) return undefined;
    const entry = await submitPlan(this.ctx, { options, references: [], target: folder });
    const label = findModel(options.model)?.label ?? options.model;
    return showProgress(this.ctx, entry, vscode.l10n.t('Generating with {0}', label), { open: args.quiet !== true });
  }

  private async collect(args: GenerateArgs): Promise<RequestOptions | undefined> {
    const given = pickRequestOptions(args);
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : '';
    let prompt = given.prompt;
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
    let model = given.model !== undefined ? findModel(given.model) : undefined;
    // An unknown model is refused by the check, with the models there are.
    if (given.model !== undefined && !model) return { ...given, model: given.model, prompt };
    if (!model) {
      const preferred = this.ctx.settings.current.defaultModel;
      const items = models.map((spec) => ({ label: spec.label, description: spec.id, detail: modelDetail(spec), spec, picked: spec.id === preferred }));
      items.sort((a, b) => Number(b.picked) - Number(a.picked));
      const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Generate Image (2/3): Model'), ignoreFocusOut: true, matchOnDescription: true });
      if (!picked) return undefined;
      model = picked.spec;
    }
    // Options given in advance answer the rest of the questions (automation, tests).
    if (args.prompt !== undefined) return { ...given, model: model.id, prompt };
    const options: RequestOptions = { model: model.id, prompt };
    const size = await pickSize(model, vscode.l10n.t('Generate Image: Size'));
    if (size === undefined) return undefined;
    options.size = size;
    const count = await pickCount(model, vscode.l10n.t('Generate Image (3/3): How many'));
    if (!count) return undefined;
    options.n = count.n;
    if (count.quality) options.quality = count.quality;
    return options;
  }
}
