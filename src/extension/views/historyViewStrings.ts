import * as vscode from 'vscode';

/**
 * Every string the History gallery shows, localized on the host (the webview has no access to
 * `vscode.l10n`). Keys are stable; the webview looks text up by key.
 */
export function historyViewStrings(): Record<string, string> {
  return {
    title: vscode.l10n.t('History'),
    search: vscode.l10n.t('Search prompts'),
    model: vscode.l10n.t('Model'),
    allModels: vscode.l10n.t('All models'),
    period: vscode.l10n.t('Date'),
    'period.all': vscode.l10n.t('Any time'),
    'period.today': vscode.l10n.t('Today'),
    'period.week': vscode.l10n.t('This week'),
    'period.older': vscode.l10n.t('Older'),
    loading: vscode.l10n.t('Looking for images in the workspace…'),
    emptyTitle: vscode.l10n.t('No images yet'),
    emptyText: vscode.l10n.t('Images you generate or edit with EvoLink appear here, with their prompts, ready to search, reuse and drag into a document.'),
    generate: vscode.l10n.t('Generate Image'),
    noMatch: vscode.l10n.t('No image matches. Change the search or the filters.'),
    clearFilters: vscode.l10n.t('Clear Filters'),
    count: vscode.l10n.t('{0} of {1} images'),
    gridLabel: vscode.l10n.t('Generated images. Arrow keys move, Enter opens, Shift+F10 shows the actions.'),
    tile: vscode.l10n.t('{0}, {1}, {2}'),
    edited: vscode.l10n.t('edit'),
    open: vscode.l10n.t('Open'),
    reveal: vscode.l10n.t('Reveal in Explorer'),
    insertReference: vscode.l10n.t('Insert Reference'),
    reuse: vscode.l10n.t('Reuse Settings in the Studio'),
    edit: vscode.l10n.t('Edit Image…'),
    export: vscode.l10n.t('Export As…'),
    copy: vscode.l10n.t('Copy Image'),
    delete: vscode.l10n.t('Move to Trash…'),
    actions: vscode.l10n.t('Actions for {0}'),
    showMore: vscode.l10n.t('Show {0} More'),
  };
}
