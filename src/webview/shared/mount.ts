import { nothing, render, type TemplateResult } from 'lit';

/**
 * Renders a view into its container with lit, and again whenever the returned function is
 * called. Calls are gathered into one render per microtask: a host message often changes several
 * things at once. lit changes only the parts of the DOM whose values changed, so an update never
 * replaces a field being typed in, and focus, caret and IME composition stay where they are.
 */
export function mount(container: HTMLElement, view: () => TemplateResult | typeof nothing): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      const content = view();
      render(content, container);
      // Busy until the view has something to show (the host's `init` has come).
      if (content !== nothing) container.setAttribute('aria-busy', 'false');
    });
  };
}
