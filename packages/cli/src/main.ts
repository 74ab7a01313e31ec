import { describeError, EXIT, EXIT_STATUS_HELP } from './cli-error.js';
import type { Command, CommandIo } from './command.js';
import { replayCommand, REPLAY_HELP } from './commands/replay.js';
import { memoryCommand, MEMORY_HELP } from './commands/memory.js';
import { finetuneCommand, FINETUNE_HELP } from './commands/finetune.js';
import { pretrainCommand, PRETRAIN_HELP } from './commands/pretrain.js';
import { compareCommand, COMPARE_HELP } from './commands/compare.js';
import { classifyCommand, CLASSIFY_HELP } from './commands/classify.js';

const USAGE = `lorafa — LoRA-FA in TypeScript

Usage: lorafa <command> [options]

Commands:
  compare                run every method on the same data and budget: quality, memory, speed
  finetune               fine-tune a GPT-2 checkpoint with full, lora, lora-fa or lora-fb
  classify               Brown genre classification with one method (compare --task genre runs all)
  pretrain               train the small byte-level base model from scratch
  memory                 the memory model: weights, gradients, optimizer state, activations
  replay FILE [--json]   reproduce a PyTorch/PEFT reference fixture and report relative errors

Run 'lorafa <command> --help' for a command's options and examples.

${EXIT_STATUS_HELP}`;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  compare: { run: compareCommand, help: COMPARE_HELP },
  finetune: { run: finetuneCommand, help: FINETUNE_HELP },
  classify: { run: classifyCommand, help: CLASSIFY_HELP },
  pretrain: { run: pretrainCommand, help: PRETRAIN_HELP },
  memory: { run: memoryCommand, help: MEMORY_HELP },
  replay: { run: replayCommand, help: REPLAY_HELP },
};

/**
 * Runs the CLI and returns its exit code (EXIT: 0 success, 1 a numerical failure, 2 bad input,
 * 3 an internal error). Errors print as one line on stderr, never a stack trace (set
 * LORAFA_DEBUG=1 for one).
 */
export async function runCli(
  argv: readonly string[],
  io: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (name === undefined) {
    io.err(USAGE);
    return EXIT.badInput;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`lorafa: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return EXIT.badInput;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (process.env.LORAFA_DEBUG) io.err(String((error as Error)?.stack ?? error));
    const { code, message } = describeError(error);
    io.err(`lorafa ${name}: ${message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message}`);
    return code;
  }
}
