import * as vscode from 'vscode';
import { formatCredits } from '../../common/format';
import { sizeLabel, type ModelSpec } from '../../common/models';
import { promptLength, resolveSize } from '../../common/request';
import { localizeIssue } from './issues';

/** Credits in the UI language. */
export function credits(value: number): string {
  return formatCredits(value, vscode.env.language);
}

/** A model's price, speed and abilities in one line, for pickers. */
export function modelDetail(model: ModelSpec): string {
  const parts = [vscode.l10n.t('{0} credits per image', credits(model.creditsPerImage)), vscode.l10n.t('about {0} s', model.estimatedSeconds)];
  if (model.quality) parts.push(vscode.l10n.t('quality levels'));
  if (model.mask) parts.push(vscode.l10n.t('masks'));
  parts.push(vscode.l10n.t('up to {0} reference images', model.references.max));
  return parts.join(' · ');
}

/** Asks for one of the model's sizes (or a custom one where the model takes any); `undefined` when cancelled. */
export async function pickSize(model: ModelSpec, title: string): Promise<string | undefined> {
  const custom = vscode.l10n.t('Custom size…');
  const items: { label: string; description?: string; value: string | undefined }[] = model.size.options.map((option) => ({
    label: option.value,
    description: option.value.includes('x') && !option.value.includes(':') ? undefined : `${option.width} × ${option.height}`,
    value: option.value,
  }));
  if (model.size.kind === 'pixels') items.push({ label: custom, description: vscode.l10n.t('width x height in pixels'), value: undefined });
  const defaultIndex = items.findIndex((item) => item.value === model.size.default);
  if (defaultIndex > 0) items.unshift(...items.splice(defaultIndex, 1));
  const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (!picked) return undefined;
  const size = model.size;
  if (picked.value !== undefined || size.kind !== 'pixels') return picked.value;
  return vscode.window
    .showInputBox({
      title: vscode.l10n.t('Custom size'),
      prompt: vscode.l10n.t('WIDTHxHEIGHT, between {0} and {1} pixels in all', sizeLabel(size.minPixels), sizeLabel(size.maxPixels)),
      value: sizeLabel(size.minPixels),
      ignoreFocusOut: true,
      validateInput: (value) => {
        const result = resolveSize(model, value.trim());
        return 'code' in result ? localizeIssue(result) : undefined;
      },
    })
    .then((value) => value?.trim());
}

/**
 * Asks how many images (and which quality, for models that have levels), with what each
 * reserves. Answers at once when there is only one choice; `undefined` when cancelled.
 */
export async function pickCount(model: ModelSpec, title: string, maxCount = Number.POSITIVE_INFINITY): Promise<{ n: number; quality?: string } | undefined> {
  const count = model.count;
  const counts = (count.kind === 'choices' ? count.values : Array.from({ length: count.max - count.min + 1 }, (_, i) => count.min + i)).filter((n) => n <= maxCount);
  const options: { label: string; description: string; n: number; quality?: string }[] = [];
  for (const n of counts) {
    for (const quality of model.quality ? model.quality.values : [undefined]) {
      const label = quality
        ? vscode.l10n.t('{0} image(s), {1} quality', n, quality)
        : count.kind === 'range' && count.upperBound
          ? vscode.l10n.t('Up to {0} image(s)', n)
          : vscode.l10n.t('{0} image(s)', n);
      const option: { label: string; description: string; n: number; quality?: string } = {
        label,
        description: vscode.l10n.t('reserves {0} credits', credits(model.creditsPerImage * n)),
        n,
      };
      if (quality) option.quality = quality;
      options.push(option);
    }
  }
  if (options.length <= 1) return options[0] ? { n: options[0].n } : { n: count.default };
  const picked = await vscode.window.showQuickPick(options, {
    title,
    placeHolder: count.kind === 'range' && count.upperBound ? vscode.l10n.t('Say in the prompt how many different images you want; you pay only for those produced.') : undefined,
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  return picked.quality ? { n: picked.n, quality: picked.quality } : { n: picked.n };
}

/** Asks for a prompt, refusing an empty one and one over `max` characters as the user types. */
export function askPrompt(options: { title: string; prompt: string; value?: string; empty: string; max: number }): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: options.title,
    prompt: options.prompt,
    value: options.value ?? '',
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (value.trim() === '') return options.empty;
      const length = promptLength(value);
      return length > options.max ? vscode.l10n.t('{0} of at most {1} characters', length, options.max) : undefined;
    },
  });
}
