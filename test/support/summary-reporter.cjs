// Mocha's spec reporter, followed by the plain closing line that CI reads: "N passed, N failed".
// Used by every mocha run of the project (unit tests in Node, integration tests in VS Code).
'use strict';
const Mocha = require('mocha');

const { EVENT_RUN_BEGIN } = Mocha.Runner.constants;
const { Base, Spec } = Mocha.reporters;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_BEGIN, () => {
      // The stand-in `code` executable starts echoing the window's log at this line.
      Base.consoleLog(`Running ${runner.total} tests`);
    });
  }

  /** Spec's own summary, then the closing line, in the same tick as the end of the run. */
  epilogue() {
    super.epilogue();
    const { passes, failures, pending } = this.stats;
    Base.consoleLog(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
  }
}

module.exports = SummaryReporter;
