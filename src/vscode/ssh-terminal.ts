// "Open SSH Terminal": a VS Code terminal on an app instance. It runs the
// same core code as `cfpush ssh` (endpoint, one-time code, host key check)
// inside the extension, so the session's tokens stay in SecretStorage
// rather than being handed to a child process. Keystrokes go to the
// remote shell, its output to the terminal; resizing the panel resizes the
// remote pty; the remote exit status closes the terminal.
import { StringDecoder } from 'node:string_decoder';
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import type { SshChannel } from '../core/ssh/client';
import { core } from './lazy';

export class SshPseudoterminal implements vscode.Pseudoterminal {
  private readonly write = new vscode.EventEmitter<string>();
  private readonly close_ = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.write.event;
  readonly onDidClose = this.close_.event;
  /** Everything the remote side printed (tests read it; capped). */
  output = '';
  /** The remote exit status once the session ends. */
  readonly exited: Promise<number>;
  private resolveExit!: (status: number) => void;
  private channel?: SshChannel;
  private closed = false;
  /** Keys typed while connecting, sent once the shell is there. */
  private typed = '';

  constructor(
    private readonly session: Session,
    private readonly app: string,
    private readonly index: number,
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  private emit(text: string): void {
    this.output = (this.output + text).slice(-200_000);
    this.write.fire(text);
  }

  async open(dims: vscode.TerminalDimensions | undefined): Promise<void> {
    this.emit(`Connecting to ${this.app} instance ${this.index} on ${this.session.target.name}…\r\n`);
    try {
      const c = core();
      const ep = await c.sshEndpoint(this.session, this.app, { index: this.index });
      const ch = await c.openSsh(ep, { tty: { term: 'xterm-256color', rows: dims?.rows ?? 24, cols: dims?.columns ?? 80 } });
      if (this.closed) {
        ch.close();
        return this.finish(255, false);
      }
      this.channel = ch;
      if (this.typed) ch.stream.write(this.typed);
      this.typed = '';
      const out = new StringDecoder('utf8');
      const err = new StringDecoder('utf8');
      ch.stream.on('data', (d: Buffer) => this.emit(out.write(d)));
      ch.stream.stderr.on('data', (d: Buffer) => this.emit(err.write(d)));
      const status = await ch.exited;
      const lost = ch.error();
      this.emit(`\r\n[ssh session ended with status ${status}${status === 255 && lost ? `: ${lost.message}` : ''}]\r\n`);
      this.finish(status);
    } catch (e) {
      const c = core();
      this.emit(`\x1b[31m${c.formatError(e).replace(/\n/g, '\r\n')}\x1b[0m\r\n`);
      this.finish(255, false);
    }
  }

  handleInput(data: string): void {
    if (this.channel) this.channel.stream.write(data);
    else this.typed += data;
  }

  setDimensions(dims: vscode.TerminalDimensions): void {
    this.channel?.resize(dims.rows, dims.columns);
  }

  close(): void {
    this.closed = true;
    this.channel?.close();
    // Closed while connecting: nothing else will settle it.
    if (!this.channel) this.resolveExit(255);
    this.write.dispose();
    this.close_.dispose();
  }

  /** A clean end closes the terminal; a failure leaves it open so the message can be read. */
  private finish(status: number, closeTerminal = true): void {
    this.resolveExit(status);
    if (closeTerminal) this.close_.fire(status);
  }
}

export function openSshTerminal(session: Session, app: string, index: number): { terminal: vscode.Terminal; pty: SshPseudoterminal } {
  const pty = new SshPseudoterminal(session, app, index);
  const terminal = vscode.window.createTerminal({ name: `ssh ${app}/${index}`, pty, iconPath: new vscode.ThemeIcon('terminal') });
  terminal.show();
  return { terminal, pty };
}
