// Where tokens live. The CLI keeps them in CFPUSH_HOME/tokens.json (mode
// 0600, like the cf CLI's config.json); VS Code passes a SecretStorage-backed
// store instead. Never in settings, never logged.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { cfpushHome, ensurePrivateDir } from '../paths';
import type { Tokens } from './uaa';

export interface TokenStore {
  get(target: string): Promise<Tokens | undefined>;
  set(target: string, tokens: Tokens): Promise<void>;
  delete(target: string): Promise<void>;
}

export class FileTokenStore implements TokenStore {
  constructor(private readonly file = join(cfpushHome(), 'tokens.json')) {}

  private async readAll(): Promise<Record<string, Tokens>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      return {};
    }
  }
  private async writeAll(all: Record<string, Tokens>): Promise<void> {
    ensurePrivateDir(dirname(this.file));
    await writeFileAtomic(this.file, JSON.stringify(all, null, 2), { mode: 0o600 });
  }
  async get(target: string) {
    return (await this.readAll())[target];
  }
  async set(target: string, tokens: Tokens) {
    const all = await this.readAll();
    all[target] = tokens;
    await this.writeAll(all);
  }
  async delete(target: string) {
    const all = await this.readAll();
    delete all[target];
    await this.writeAll(all);
  }
}
