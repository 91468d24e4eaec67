import * as vscode from 'vscode';
import { formatCredits } from '../../common/format';
import { sizeLabel, type ModelSpec } from '../../common/models';
import { promptLength, resolveSize } from '../../common/request';
import { countChoices, type CountChoice } from '../../common/wizardPlan';
import { localizeIssue } from './issues';
import { optionValueLabel } from './optionLabels';
import type { PickItem } from './wizard';

/** Credits in the UI language. */
export function credits(value: number): string {
  return formatCredits(value, vscode.env.language);
}

/** How many images, "1 image" or "3 images", in the UI language. */
export function imageCount(count: number): string {
  return count === 1 ? vscode.l10n.t('1 image') : vscode.l10n.t('{0} images', count);
}

/** A model's price, speed and abilities in one line, for pickers. */
export function modelDetail(model: ModelSpec): string {
  const parts = [vscode.l10n.t('{0} credits per image', credits(model.creditsPerImage)), vscode.l10n.t('about {0} s', model.estimatedSeconds)];
  if (model.quality) parts.push(vscode.l10n.t('quality levels'));
  if (model.mask) parts.push(vscode.l10n.t('masks'));
  parts.push(vscode.l10n.t('up to {0} reference images', model.references.max));
  return parts.join(' · ');
}

/** The sizes of a model as pick items; `undefined` is the Custom item of a model that takes any size in a range. */
export function sizeItems(model: ModelSpec): PickItem<string | undefined>[] {
  const items: PickItem<string | undefined>[] = model.size.options.map((option) => ({
    label: option.value,
    description:
      option.width === undefined || option.height === undefined
        ? vscode.l10n.t('the shape your prompt describes')
        : option.value.includes('x') && !option.value.includes(':')
          ? undefined
          : `${option.width} × ${option.height}`,
    value: option.value,
  }));
  if (model.size.kind === 'pixels') items.push({ label: vscode.l10n.t('Custom size…'), description: vscode.l10n.t('width x height in pixels'), value: undefined });
  // The model's default comes first.
  const defaultIndex = items.findIndex((item) => item.value === model.size.default);
  if (defaultIndex > 0) items.unshift(...items.splice(defaultIndex, 1));
  return items;
}

/** What the custom size box says under itself: the range, and why a typed size is refused. */
export function customSizeHint(model: ModelSpec): string {
  const size = model.size;
  return size.kind === 'pixels' ? vscode.l10n.t('WIDTHxHEIGHT, between {0} and {1} pixels in all', sizeLabel(size.minPixels), sizeLabel(size.maxPixels)) : '';
}

/** Why a typed size is refused by the model, or `undefined`. */
export function sizeProblem(model: ModelSpec, value: string): string | undefined {
  const result = resolveSize(model, value.trim());
  return 'code' in result ? localizeIssue(result) : undefined;
}

/** How many images (and which quality, for models that have levels), with what each reserves. */
export function countItems(model: ModelSpec, maxCount = Number.POSITIVE_INFINITY): PickItem<CountChoice>[] {
  const count = model.count;
  return countChoices(model, maxCount).map((choice) => ({
    label: choice.quality
      ? choice.n === 1
        ? vscode.l10n.t('1 image, {0} quality', optionValueLabel('quality', choice.quality))
        : vscode.l10n.t('{0} images, {1} quality', choice.n, optionValueLabel('quality', choice.quality))
      : count.kind === 'range' && count.upperBound
        ? choice.n === 1
          ? vscode.l10n.t('Up to 1 image')
          : vscode.l10n.t('Up to {0} images', choice.n)
        : imageCount(choice.n),
    description: vscode.l10n.t('reserves {0} credits', credits(model.creditsPerImage * choice.n)),
    value: choice,
  }));
}

/** What the count step says above its choices, where the prompt decides how many. */
export function countPlaceholder(model: ModelSpec): string | undefined {
  return model.count.kind === 'range' && model.count.upperBound ? vscode.l10n.t('Say in the prompt how many different images you want; you pay only for those produced.') : undefined;
}

/** Why a prompt cannot be sent: empty, or over the model's limit, counted as the service counts. */
export function promptProblem(value: string, max: number, empty: string): string | undefined {
  if (value.trim() === '') return empty;
  const length = promptLength(value);
  return length > max ? vscode.l10n.t('{0} of at most {1} characters', length, max) : undefined;
}
