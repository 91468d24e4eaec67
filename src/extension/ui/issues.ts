import * as vscode from 'vscode';
import type { RequestIssue } from '../../common/request';

/** One localized sentence for a request issue; it names the parameter and the allowed values. */
export function localizeIssue(issue: RequestIssue): string {
  const v = issue.values;
  switch (issue.code) {
    case 'modelUnknown':
      return vscode.l10n.t('Model {value} is not available; choose one of {allowed}.', v);
    case 'promptEmpty':
      return vscode.l10n.t('The prompt is empty; describe the image you want.');
    case 'promptTooLong':
      return vscode.l10n.t('The prompt has {length} characters; this model takes at most {max}. Shorten it.', v);
    case 'sizeNotAllowed':
      return vscode.l10n.t('Size {value} is not offered by this model; choose one of {allowed}.', v);
    case 'sizeMalformed':
      return vscode.l10n.t('Size {value} is not valid; use {named} or WIDTHxHEIGHT in pixels.', v);
    case 'sizePixels':
      return vscode.l10n.t('Size {value} is out of range: the total pixels must lie between {min} and {max}.', v);
    case 'sizeRatio':
      return vscode.l10n.t('Size {value} has an aspect ratio outside {min} to {max}.', v);
    case 'countNotAllowed':
      return vscode.l10n.t('{value} images cannot be requested from this model; choose one of {allowed}.', v);
    case 'countRange':
      return vscode.l10n.t('{value} images cannot be requested; choose from {min} to {max}.', v);
    case 'notSupported':
      return vscode.l10n.t('Model {model} does not take the parameter {param}.', { ...v, param: issue.param });
    case 'valueNotAllowed':
      return vscode.l10n.t('{param} cannot be {value}; choose one of {allowed}.', { ...v, param: issue.param });
    case 'referenceCount':
      return vscode.l10n.t('{count} reference images were given; this model takes {min} to {max}.', v);
    case 'referenceFormat':
      return vscode.l10n.t('Reference image {index} is {format}; this model takes {allowed}.', v);
    case 'referenceBytes':
      return vscode.l10n.t('Reference image {index} is {size}; this model takes at most {max}.', v);
    case 'referenceMinSide':
      return vscode.l10n.t('Reference image {index} is {width}x{height}; each side must be at least {min} px.', v);
    case 'referencePixels':
      return vscode.l10n.t('Reference image {index} is {width}x{height}; this model takes at most {max} pixels.', v);
    case 'referenceRatio':
      return vscode.l10n.t('Reference image {index} is {width}x{height}; its aspect ratio must lie between {min} and {max}.', v);
    case 'referenceNotImage':
      return vscode.l10n.t('Reference image {index} is not an image file.', v);
    case 'referenceTruncated':
      return vscode.l10n.t('Reference image {index} is cut off: the file ends before the image does. Save or copy it again.', v);
    case 'referencesWithOutputs':
      return vscode.l10n.t('{count} reference images and {n} outputs make more than {max}; ask for fewer images or use fewer references.', v);
    case 'maskNeedsOneReference':
      return vscode.l10n.t('A mask needs exactly one reference image ({count} given).', v);
    case 'maskTruncated':
      return vscode.l10n.t('The mask file is cut off: it ends before the image does. Paint it again.');
    case 'maskFormat':
      return vscode.l10n.t('The mask is {format}; it must be a PNG.', v);
    case 'maskBytes':
      return vscode.l10n.t('The mask is {size}; it may be at most {max}.', v);
    case 'maskDimensions':
      return vscode.l10n.t('The mask is {mask} but the image is {image}; they must be the same size.', v);
  }
}
