import * as vscode from 'vscode';

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
    model: vscode.l10n.t('Model'),
    size: vscode.l10n.t('Size'),
    customSize: vscode.l10n.t('Custom size'),
    width: vscode.l10n.t('Width'),
    height: vscode.l10n.t('Height'),
    count: vscode.l10n.t('Images'),
    countUpTo: vscode.l10n.t('Up to {0}: say in the prompt how many different images you want; you pay only for those produced.'),
    quality: vscode.l10n.t('Quality'),
    promptPriority: vscode.l10n.t('Prompt priority'),
    cost: vscode.l10n.t('Reserves {0} credits'),
    balance: vscode.l10n.t('Balance: {0} credits'),
    generate: vscode.l10n.t('Generate'),
    generating: vscode.l10n.t('Submitting…'),
    noKey: vscode.l10n.t('Set your EvoLink API key to generate images.'),
    setKey: vscode.l10n.t('Set API Key'),
    tasks: vscode.l10n.t('Tasks'),
    noTasks: vscode.l10n.t('No tasks yet. Describe an image and press Generate.'),
    stopWatching: vscode.l10n.t('Stop watching'),
    checkAgain: vscode.l10n.t('Check again'),
    retry: vscode.l10n.t('Retry with the same settings'),
    eta: vscode.l10n.t('about {0} s left'),
    creditsUsed: vscode.l10n.t('{0} credits used'),
    results: vscode.l10n.t('Results'),
    noResults: vscode.l10n.t('Generated images appear here.'),
    open: vscode.l10n.t('Open'),
    reveal: vscode.l10n.t('Reveal in Explorer'),
    insert: vscode.l10n.t('Insert reference at the cursor'),
    copyPrompt: vscode.l10n.t('Copy prompt'),
    'state.submitting': vscode.l10n.t('Submitting'),
    'state.unknownOutcome': vscode.l10n.t('Checking whether EvoLink took it'),
    'state.running': vscode.l10n.t('Running'),
    'state.stopped': vscode.l10n.t('Not watched (may still finish)'),
    'state.completed': vscode.l10n.t('Saving'),
    'state.saved': vscode.l10n.t('Saved'),
    'state.saveFailed': vscode.l10n.t('Not saved: choose another folder in Show Tasks'),
    'state.failed': vscode.l10n.t('Failed'),
    'state.expired': vscode.l10n.t('Links expired'),
  };
}
