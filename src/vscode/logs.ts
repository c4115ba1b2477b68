// Live app logs: one output channel per app ("CF Logs: NAME", coloured by the
// same grammar), fed from log-cache like `cf logs`, stoppable from the tree,
// the palette or the channel's app item. Recent lines first, then live.
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import type { Ctx } from './ctx';
import { core } from './lazy';
import { OUTPUT_LANGUAGE } from './output';

interface Stream {
  channel: vscode.OutputChannel;
  stop?: () => Promise<void>;
  lines: string[];
}

export class AppLogs implements vscode.Disposable {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly ctx: Ctx) {}

  /** Starts (or re-shows) streaming `appName`'s logs; returns the channel name. */
  async follow(session: Session, appGuid: string, appName: string, reveal = true): Promise<string> {
    const key = `${session.target.name}/${appGuid}`;
    let s = this.streams.get(key);
    const name = `CF Logs: ${appName}`;
    if (!s) {
      s = { channel: vscode.window.createOutputChannel(name, OUTPUT_LANGUAGE), lines: [] };
      this.streams.set(key, s);
    }
    if (!s.stop) {
      const stream = s;
      const write = (text: string) => {
        stream.channel.appendLine(text);
        stream.lines.push(text);
        if (stream.lines.length > 2000) stream.lines.splice(0, 1000);
      };
      const c = core();
      write(`── Logs of ${appName} on ${session.target.name} (${session.org.name}/${session.space.name}) · ${new Date().toLocaleTimeString()} ──`);
      // The last five minutes first, as `cf logs --recent` would show them.
      const since = BigInt(Date.now() - 5 * 60_000) * 1_000_000n;
      const follower = c.followLogs(session, appGuid, (l) => write(c.formatLogLine(l)), { sinceNs: since, intervalMs: 500, keepFollowing: true });
      follower.catch((err: unknown) => write(`── logs unavailable: ${c.formatError(err)} ──`));
      stream.stop = () =>
        follower.then(
          (f) => f.stop(),
          () => undefined,
        );
    }
    if (reveal) s.channel.show(true);
    return name;
  }

  isFollowing(session: Session, appGuid: string): boolean {
    return !!this.streams.get(`${session.target.name}/${appGuid}`)?.stop;
  }

  /** Lines received so far for the app (tests). */
  lines(session: Session, appGuid: string): string[] {
    return this.streams.get(`${session.target.name}/${appGuid}`)?.lines ?? [];
  }

  async stop(session: Session, appGuid: string): Promise<boolean> {
    const s = this.streams.get(`${session.target.name}/${appGuid}`);
    if (!s?.stop) return false;
    const stop = s.stop;
    s.stop = undefined;
    await stop();
    s.channel.appendLine('── stopped ──');
    return true;
  }

  dispose(): void {
    for (const s of this.streams.values()) {
      void s.stop?.();
      s.channel.dispose();
    }
    this.streams.clear();
  }
}
