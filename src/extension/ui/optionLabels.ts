import * as vscode from 'vscode';
import { models } from '../../common/models';

/**
 * The words shown for a model's option values (quality levels, prompt priority): the request
 * keeps the API's value, the person reads it in their language. A value without a word here
 * shows as itself.
 */
export function optionValueLabel(param: 'quality' | 'promptPriority', value: string): string {
  const words: Record<string, string> =
    param === 'quality'
      ? { low: vscode.l10n.t('low'), medium: vscode.l10n.t('medium'), high: vscode.l10n.t('high'), auto: vscode.l10n.t('automatic') }
      : { standard: vscode.l10n.t('standard') };
  return words[value] ?? value;
}

/** Every option value of the model table with its word, keyed `value.<param>.<value>`, for the webviews. */
export function optionValueStrings(): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const model of models) {
    for (const value of model.quality?.values ?? []) strings[`value.quality.${value}`] = optionValueLabel('quality', value);
    for (const value of model.promptPriority?.values ?? []) strings[`value.promptPriority.${value}`] = optionValueLabel('promptPriority', value);
  }
  return strings;
}
