import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

/**
 * Sets a CSS custom property on an element through the CSSOM. The webviews' Content Security
 * Policy has no 'unsafe-inline' for styles, which blocks `style` attributes (and so lit's
 * `styleMap`, which writes the attribute on its first render); the CSSOM is not blocked.
 */
class CssPropertyDirective extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('cssProperty() belongs on an element, not in an attribute or text.');
  }

  render(_name: string, _value: string): typeof noChange {
    return noChange;
  }

  override update(part: ElementPart, [name, value]: [string, string]): typeof noChange {
    (part.element as HTMLElement).style.setProperty(name, value);
    return noChange;
  }
}

/** `<div ${cssProperty('--split', '40%')}>`: sets `--split` on the div, CSP-safe. */
export const cssProperty = directive(CssPropertyDirective);
