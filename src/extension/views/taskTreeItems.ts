import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { altText } from '../../common/reference';
import { isActive, savedFiles } from '../../common/taskState';
import { outcomeMessage, progressLine, stateLabel } from '../tasks/outcome';
import { displayPath } from '../ui/paths';
import { credits, imageCount } from '../ui/pickers';
import { fileContextValue, taskContextValue, type TaskGroup } from './taskItems';
import { fileName } from '../base/disk';

/*
 * The tree items of the Tasks view, in the user's language: the words come from the same
 * sentences as Show Tasks and the Studio (`tasks/outcome.ts`), never from a list of states here.
 */

const codicon = /\$\(([^)]+)\)\s*/;

/** A state label without its codicon, for places that cannot draw one. */
function plainLabel(entry: LedgerEntry): string {
  return stateLabel(entry).replace(codicon, '');
}

/** The title of a section. */
export function groupTitle(group: TaskGroup): string {
  switch (group) {
    case 'running':
      return vscode.l10n.t('Running');
    case 'attention':
      return vscode.l10n.t('Needs Attention');
    case 'recent':
      return vscode.l10n.t('Recent');
  }
}

/** The item of a section: its title, and how many tasks it holds. */
export function groupItem(group: TaskGroup, count: number): vscode.TreeItem {
  const item = new vscode.TreeItem(groupTitle(group), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${group}`;
  item.description = String(count);
  item.contextValue = `group:${group}`;
  item.accessibilityInformation = { label: count === 1 ? vscode.l10n.t('{0}: 1 task', groupTitle(group)) : vscode.l10n.t('{0}: {1} tasks', groupTitle(group), count), role: 'treeitem' };
  return item;
}

/** The icon of a task: its first saved image, else the codicon of its state (coloured for problems). */
function taskIcon(entry: LedgerEntry, problem: 'warning' | 'error' | undefined): vscode.TreeItem['iconPath'] {
  const [first] = savedFiles(entry);
  if (first) return vscode.Uri.parse(first);
  const name = codicon.exec(stateLabel(entry))?.[1] ?? 'circle-outline';
  if (problem === 'error') return new vscode.ThemeIcon(name, new vscode.ThemeColor('list.errorForeground'));
  if (problem === 'warning') return new vscode.ThemeIcon(name, new vscode.ThemeColor('list.warningForeground'));
  return new vscode.ThemeIcon(name);
}

/** What the tooltip tells about a task: its prompt, where it stands, and its settings. */
function taskTooltip(entry: LedgerEntry, status: string, problem: string | undefined): vscode.MarkdownString {
  const tip = new vscode.MarkdownString();
  tip.appendText(altText(entry.request.prompt));
  tip.appendMarkdown('\n\n');
  tip.appendText(problem ?? status);
  tip.appendMarkdown('\n\n');
  const settings = [entry.body.model, entry.body.size, imageCount(entry.body.n)];
  settings.push(entry.creditsUsed !== undefined ? vscode.l10n.t('{0} credits used', credits(entry.creditsUsed)) : vscode.l10n.t('{0} credits reserved', credits(entry.creditsReserved ?? 0)));
  tip.appendText(settings.join(' · '));
  tip.appendMarkdown('\n\n');
  tip.appendText(new Date(entry.createdAt).toLocaleString(vscode.env.language));
  const files = savedFiles(entry).map((uri) => displayPath(vscode.Uri.parse(uri)));
  if (files.length > 0) {
    tip.appendMarkdown('\n\n');
    tip.appendText(files.join(', '));
  }
  if (entry.editOf) {
    tip.appendMarkdown('\n\n');
    tip.appendText(vscode.l10n.t('Edit of {0}', displayPath(vscode.Uri.parse(entry.editOf))));
  }
  return tip;
}

/**
 * The item of one task. A running task tells its progress and time left; a task with a problem
 * its state, with the full sentence in the tooltip; a saved task shows its image as its icon
 * and opens it on a click (several images: they are its children).
 */
export function taskItem(entry: LedgerEntry, now: number): vscode.TreeItem {
  const files = savedFiles(entry);
  const collapsible = files.length > 1 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
  const item = new vscode.TreeItem(altText(entry.request.prompt), collapsible);
  item.id = entry.localId;
  const active = isActive(entry.state);
  const status = active ? progressLine(entry, now) : plainLabel(entry);
  const outcome = active ? undefined : outcomeMessage(entry, false);
  const problem = outcome?.kind === 'warning' || outcome?.kind === 'error' ? { kind: outcome.kind, text: outcome.text } : undefined;
  item.description = entry.state === 'saved' ? [status, entry.body.model].join(' · ') : status;
  item.iconPath = taskIcon(entry, problem?.kind);
  item.tooltip = taskTooltip(entry, status, problem?.text);
  item.contextValue = taskContextValue(entry);
  item.accessibilityInformation = { label: [altText(entry.request.prompt), problem?.text ?? status].join(', '), role: 'treeitem' };
  if (files.length === 1) item.command = openCommand(vscode.Uri.parse(files[0]!));
  return item;
}

/** The item of one saved image of a task with several. */
export function fileItem(localId: string, uri: string): vscode.TreeItem {
  const file = vscode.Uri.parse(uri);
  const item = new vscode.TreeItem(fileName(file), vscode.TreeItemCollapsibleState.None);
  item.id = `${localId}|${uri}`;
  item.resourceUri = file;
  item.iconPath = file;
  item.description = displayPath(vscode.Uri.joinPath(file, '..'));
  item.tooltip = displayPath(file);
  item.contextValue = fileContextValue;
  item.command = openCommand(file);
  item.accessibilityInformation = { label: vscode.l10n.t('Image {0}', displayPath(file)), role: 'treeitem' };
  return item;
}

function openCommand(file: vscode.Uri): vscode.Command {
  return { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [file] };
}
