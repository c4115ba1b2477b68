// Terminal prompts; secrets are not echoed.
import { createInterface } from 'node:readline';
import { CfPushError } from '../core/errors';

export async function ask(question: string, secret = false): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CfPushError(`${question.replace(/[:>\s]+$/, '')} is needed, but there is no terminal to ask on.`, {
      hint: 'Pass it with a flag or an environment variable (see `cfpush login -h`).',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (secret) {
    const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
    out._writeToOutput = (s: string) => {
      if (s.includes(question)) process.stdout.write(s);
    };
  }
  try {
    return await new Promise<string>((res) => rl.question(question, res));
  } finally {
    if (secret) process.stdout.write('\n');
    rl.close();
  }
}
