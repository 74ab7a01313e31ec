import { UsageError } from './cli-error.js';
import { replayCommand, REPLAY_HELP } from './commands/replay.js';
import { memoryCommand, MEMORY_HELP } from './commands/memory.js';
import { finetuneCommand, FINETUNE_HELP } from './commands/finetune.js';
import { pretrainCommand, PRETRAIN_HELP } from './commands/pretrain.js';
import { compareCommand, COMPARE_HELP } from './commands/compare.js';

const USAGE = `lorafa — LoRA-FA in TypeScript

Usage: lorafa <command> [options]

Commands:
  compare                run every method on the same data and budget: quality, memory, speed
  finetune               fine-tune a GPT-2 checkpoint with full, lora, lora-fa or lora-fb
  pretrain               train the small byte-level base model from scratch
  memory                 the memory model: weights, gradients, optimizer state, activations
  replay FILE [--json]   reproduce a PyTorch/PEFT reference fixture and report relative errors

Run 'lorafa <command> --help' for a command's options and examples.`;

type Command = (argv: readonly string[], out: (line: string) => void) => Promise<number>;
const COMMANDS: Record<string, { run: Command; help: string }> = {
  compare: { run: compareCommand, help: COMPARE_HELP },
  finetune: { run: finetuneCommand, help: FINETUNE_HELP },
  pretrain: { run: pretrainCommand, help: PRETRAIN_HELP },
  memory: { run: memoryCommand, help: MEMORY_HELP },
  replay: { run: replayCommand, help: REPLAY_HELP },
};

/**
 * Runs the CLI and returns its exit code: 0 success, 1 a failed check or run, 2 bad input.
 * Errors print as one line on stderr, never a stack trace (set LORAFA_DEBUG=1 for one).
 */
export async function runCli(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`lorafa: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  try {
    return await command.run(rest, io.out);
  } catch (error) {
    if (process.env.LORAFA_DEBUG) io.err(String((error as Error).stack));
    io.err(`lorafa ${name}: ${error instanceof Error ? error.message.replace(/^\w+: /, '') : String(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}
