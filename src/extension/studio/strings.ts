import * as vscode from 'vscode';
import type { RequestIssue } from '../../common/request';
import { localizeIssue } from '../ui/issues';
import { optionValueStrings } from '../ui/optionLabels';

const issueCodes: readonly RequestIssue['code'][] = [
  'sizeNotAllowed', 'sizeMalformed', 'sizePixels', 'sizeRatio', 'referenceCount', 'referenceFormat', 'referenceBytes',
  'referenceMinSide', 'referencePixels', 'referenceRatio', 'referenceNotImage', 'referencesWithOutputs', 'maskBytes', 'maskDimensions',
];

/**
 * The request-issue sentences as templates with their `{name}` placeholders kept, so that the
 * webview fills them with the same values as the host: one translation for both.
 */
function issueTemplates(): Record<string, string> {
  const keep = new Proxy({}, { get: (_, name) => `{${String(name)}}`, has: () => true }) as Record<string, string>;
  return Object.fromEntries(issueCodes.map((code) => [`issue.${code}`, localizeIssue({ param: '{param}', code, values: keep })]));
}

/**
 * Every string the Studio shows, localized on the host (the webview has no access to
 * `vscode.l10n`). Keys are stable; the webview looks text up by key.
 */
export function studioStrings(): Record<string, string> {
  return {
    title: vscode.l10n.t('Image Studio'),
    compose: vscode.l10n.t('New image'),
    prompt: vscode.l10n.t('Prompt'),
    promptPlaceholder: vscode.l10n.t('Describe the image: subject, style, light, composition…'),
    promptLength: vscode.l10n.t('{0} / {1} characters'),
    promptTooLong: vscode.l10n.t('{0} characters over the limit'),
    promptOverLimit: vscode.l10n.t('The prompt is longer than this model accepts.'),
    model: vscode.l10n.t('Model'),
    size: vscode.l10n.t('Size'),
    customSize: vscode.l10n.t('Custom size'),
    sizeFromPromptNote: vscode.l10n.t('The model picks the shape your prompt describes, at this resolution.'),
    width: vscode.l10n.t('Width'),
    height: vscode.l10n.t('Height'),
    count: vscode.l10n.t('How many'),
    countUpTo: vscode.l10n.t('Up to {0}: say in the prompt how many different images you want; you pay only for those produced.'),
    quality: vscode.l10n.t('Quality'),
    promptPriority: vscode.l10n.t('Prompt priority'),
    cost: vscode.l10n.t('Reserves {0} credits'),
    balance: vscode.l10n.t('Balance: {0} credits'),
    today: vscode.l10n.t('Today: {0} credits'),
    todayOf: vscode.l10n.t('Today: {0} of {1} credits'),
    generate: vscode.l10n.t('Generate'),
    generateAsset: vscode.l10n.t('Generate Asset…'),
    ...issueTemplates(),
    references: vscode.l10n.t('Reference images'),
    addReference: vscode.l10n.t('Add…'),
    removeReference: vscode.l10n.t('Remove reference'),
    referenceLimits: vscode.l10n.t('Up to {0} images · {1} · at most {2} MB each. Add from the workspace, drag from the Explorer with Shift held, or paste.'),
    pastedTooLarge: vscode.l10n.t('{0} is {1} MB; no model takes more than {2} MB per reference image.'),
    destination: vscode.l10n.t('Save results'),
    destinationOutput: vscode.l10n.t('In the output folder'),
    destinationBeside: vscode.l10n.t('Beside {0}, as its edits'),
    ...maskStrings(),
    useAsReference: vscode.l10n.t('Use as reference'),
    delete: vscode.l10n.t('Delete'),
    generating: vscode.l10n.t('Submitting…'),
    noKey: vscode.l10n.t('Set your EvoLink API key to generate images.'),
    setKey: vscode.l10n.t('Set API Key'),
    tasks: vscode.l10n.t('Tasks'),
    noTasks: vscode.l10n.t('No tasks yet. Describe an image and press Generate.'),
    taskEnded: vscode.l10n.t('Task “{0}” ended: {1}.'),
    taskEndedWithError: vscode.l10n.t('Task “{0}” ended: {1}. {2}'),
    tasksEnded: vscode.l10n.t('{0} tasks ended. The task list says how each one went.'),
    creditsUsed: vscode.l10n.t('{0} credits used'),
    oneImage: vscode.l10n.t('1 image'),
    imageCount: vscode.l10n.t('{0} images'),
    results: vscode.l10n.t('Results'),
    noResults: vscode.l10n.t('Generated images appear here.'),
    open: vscode.l10n.t('Open'),
    reveal: vscode.l10n.t('Reveal in Explorer'),
    insert: vscode.l10n.t('Insert reference at the cursor'),
    copyPrompt: vscode.l10n.t('Copy prompt'),
    history: vscode.l10n.t('History'),
    historySearch: vscode.l10n.t('Search past prompts'),
    historyEmpty: vscode.l10n.t('Images you generate in this workspace are listed here, with the prompt and settings recorded in the workspace\'s EvoLink history.'),
    historyNoMatch: vscode.l10n.t('No past prompt matches.'),
    reuse: vscode.l10n.t('Reuse these settings'),
    ...optionValueStrings(),
  };
}

/** The mask painter's words. */
function maskStrings(): Record<string, string> {
  return {
    maskPaint: vscode.l10n.t('Paint a mask'),
    maskDone: vscode.l10n.t('Hide the mask painter'),
    maskPainted: vscode.l10n.t('Mask painted: only the painted area is changed.'),
    maskEmpty: vscode.l10n.t('No mask: the whole image may change.'),
    maskNeedsOne: vscode.l10n.t('A mask can be painted when there is exactly one reference image.'),
    maskUnusedModel: vscode.l10n.t('{0} takes no mask, so the mask you painted would not be sent and the whole image could change. Choose {1} again, or clear the mask.'),
    maskUnusedReferences: vscode.l10n.t('A mask is sent only with exactly one reference image, so the mask you painted would not be sent and the whole image could change. Remove the other references, or clear the mask.'),
    maskTools: vscode.l10n.t('Mask tools'),
    maskBrush: vscode.l10n.t('Brush'),
    maskEraser: vscode.l10n.t('Eraser'),
    maskSize: vscode.l10n.t('Brush size'),
    maskClear: vscode.l10n.t('Clear the mask'),
    maskInvert: vscode.l10n.t('Invert the mask'),
    maskUndo: vscode.l10n.t('Undo'),
    maskRedo: vscode.l10n.t('Redo'),
    maskKeys: vscode.l10n.t('With the keyboard: arrow keys move the brush, Space paints (hold it to paint along), [ and ] change its size, Ctrl+Z undoes.'),
    maskCanvas: vscode.l10n.t('Mask: paint over the area to change'),
    maskPainter: vscode.l10n.t('mask painter'),
    maskHint: vscode.l10n.t('The mask is saved as a {0}×{1} PNG, the size of the image.'),
    maskExportFailed: vscode.l10n.t('The mask could not be made from the canvas, so nothing was sent. Close other large images or reload the window (Developer: Reload Window), then paint it again.'),
    maskLostReload: vscode.l10n.t('The mask you painted was lost when the window reloaded: paint it again, or press Generate to change the whole image.'),
    maskStale: vscode.l10n.t('The image changed size since the mask was painted, so the mask was cleared: paint it again, or press Generate to change the whole image.'),
  };
}
