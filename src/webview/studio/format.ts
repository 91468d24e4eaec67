import { formatCredits } from '../../common/format';
import { megabyte } from '../../common/limits';
import { fillTemplate, type RequestIssue } from '../../common/request';
import type { StudioStore } from './state';

/*
 * Numbers and sentences as the Studio shows them, in the host's locale and language.
 */

/** A credit amount. */
export function credits(store: StudioStore, value: number): string {
  return formatCredits(value, store.state.locale);
}

/** Bytes as megabytes, one decimal, rounded up: a file just over a limit never reads as the limit. */
export function megabytes(store: StudioStore, bytes: number): string {
  return (Math.ceil((bytes / megabyte) * 10) / 10).toLocaleString(store.state.locale, { maximumFractionDigits: 1 });
}

/** A file size as people read it: KB under a megabyte, MB above. */
export function fileSize(store: StudioStore, bytes: number): string {
  return bytes < megabyte ? `${Math.max(1, Math.round(bytes / 1000)).toLocaleString(store.state.locale)} KB` : `${megabytes(store, bytes)} MB`;
}

/** A request issue in the UI language, from the host's templates (the host checks with the same ones). */
export function issueText(store: StudioStore, issue: RequestIssue): string {
  return fillTemplate(store.state.strings[`issue.${issue.code}`] ?? issue.code, { ...issue.values, param: issue.param });
}
