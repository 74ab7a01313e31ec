import { parseArguments } from '../arguments.js';
import { UsageError, EXIT_STATUS_HELP } from '../cli-error.js';
import { BACKEND_HELP, withBackend } from '../backend-option.js';
import { TOLERANCE } from '../replay/checks.js';
import type { CheckList } from '../replay/checks.js';
import type { Fixture } from '../replay/fixture.js';
import { loadFixture } from '../replay/load-fixture.js';
import { replayMlp } from '../replay/mlp.js';
import { replayGpt2 } from '../replay/gpt2.js';
import type { CommandIo } from '../command.js';

export const REPLAY_HELP = `lorafa replay FILE [--json] [--backend NAME]

Rebuilds the model of a PyTorch/PEFT reference fixture (safetensors with a manifest in its
metadata), recomputes its losses, gradients and LoRA-FA optimizer steps, and prints each
compared quantity with its relative error (max-abs error / max-abs reference).
Exits 1 if any error exceeds ${TOLERANCE}.

Fixture kinds: mlp-lorafa, and gpt2-lorafa (its model is read from the gpt2-model/ folder
beside the fixture).

On a gpu backend the LoRA-FA correction is fused into the layer's backward, so the B-gradient
checks compare the corrected gradient with PEFT's correction of the fixture's raw one (named
"(corrected)").

Options:
  --json              print one JSON object { kind, backend, maxRelError, checks: [{ name, relError }] }
${BACKEND_HELP}
  --help              show this help

Examples:
  lorafa replay test/fixtures/peft/mlp-lorafa.safetensors
  lorafa replay test/fixtures/peft/mlp-lorafa.safetensors --json
  lorafa replay test/fixtures/peft/gpt2-lorafa.safetensors
  lorafa replay test/fixtures/peft/mlp-lorafa.safetensors --backend gpu:webasm

${EXIT_STATUS_HELP}`;

const REPLAYERS: Record<string, (fixture: Fixture) => Promise<CheckList>> = {
  'mlp-lorafa': replayMlp,
  'gpt2-lorafa': replayGpt2,
};

export async function replayCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { out } = io;
  const { positional, flags } = parseArguments('replay', argv, { booleans: ['json', 'help'], values: ['backend'] });
  if (flags.has('help')) {
    out(REPLAY_HELP);
    return 0;
  }
  if (positional.length !== 1)
    throw new UsageError(`replay: expected one fixture file, got ${positional.length} (see lorafa replay --help)`);
  const backendFlag = flags.get('backend');
  return withBackend('replay', typeof backendFlag === 'string' ? backendFlag : undefined, async (backend) => {
    const fixture = loadFixture(positional[0]!); // after selectBackend: its tensors go to that backend
    const replayer = REPLAYERS[fixture.kind];
    if (!replayer)
      throw new UsageError(
        `replay: ${fixture.path}: fixture kind '${fixture.kind}' is not supported (supported: ${Object.keys(REPLAYERS).join(', ')})`,
      );
    const result = await (await replayer(fixture)).settle();
    const passed = result.maxRelError <= TOLERANCE;
    if (flags.has('json')) {
      out(
        JSON.stringify({
          kind: fixture.kind,
          file: fixture.path,
          backend,
          tolerance: TOLERANCE,
          passed,
          maxRelError: result.maxRelError,
          checks: result.checks,
        }),
      );
    } else {
      out(`${fixture.kind}: ${fixture.path} (backend ${backend})`);
      if (fixture.source) out(`reference: ${fixture.source}`);
      const width = Math.max(...result.checks.map((c) => c.name.length));
      for (const c of result.checks)
        out(
          `  ${c.name.padEnd(width)}  ${c.relError.toExponential(2).padStart(9)}  ${c.relError <= TOLERANCE ? 'ok' : 'FAIL'}`,
        );
      out(
        `${result.checks.length} checks, max relative error ${result.maxRelError.toExponential(2)} (tolerance ${TOLERANCE}): ${passed ? 'PASS' : 'FAIL'}`,
      );
    }
    return passed ? 0 : 1;
  });
}
